using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ductus.Core.Auth;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Clients;

/// <summary>
/// Typed client for the analytics worker's internal endpoints. Every call carries a fresh
/// service token naming the workspace it acts for; the worker takes the workspace from there.
/// </summary>
public sealed class AnalyticsClient(HttpClient http, IOptions<ServiceTokenOptions> options, TimeProvider time)
{
    public async Task<EngineVersion> EngineVersionAsync(Guid workspaceId, string workspaceName, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, "/internal/engine/version", workspaceId, workspaceName);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<EngineVersion>(ct)
            ?? throw new InvalidOperationException("The analytics worker answered with an empty body.");
    }

    /// <summary>Starts a query in <paramref name="workspaceName"/>; the caller streams the body (any status) and disposes the response.</summary>
    public async Task<HttpResponseMessage> QueryAsync(Guid workspaceId, string workspaceName, object body, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, "/internal/query", workspaceId, workspaceName);
        request.Content = JsonContent.Create(body);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, Guid workspaceId, string workspaceName)
    {
        var token = ServiceToken.Issue(options.Value.SigningKey!, workspaceId, workspaceName, time.GetUtcNow());
        return new HttpRequestMessage(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
    }
}

public sealed record EngineVersion(string Engine, string Version, string? TraceId = null);
