using System.Net.Http.Json;

namespace Ductus.Api.Clients;

/// <summary>Typed client for the analytics worker's internal endpoints.</summary>
public sealed class AnalyticsClient(HttpClient http)
{
    public async Task<EngineVersion> EngineVersionAsync(CancellationToken ct) =>
        await http.GetFromJsonAsync<EngineVersion>("/internal/engine/version", ct)
            ?? throw new InvalidOperationException("The analytics worker answered with an empty body.");

    /// <summary>Starts a query; the caller streams the body (any status) and disposes the response.</summary>
    public async Task<HttpResponseMessage> QueryAsync(object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/query") { Content = JsonContent.Create(body) };
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }
}

public sealed record EngineVersion(string Engine, string Version, string? TraceId = null);
