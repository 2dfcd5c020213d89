using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Contracts;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Clients;

/// <summary>
/// Typed client for the analytics worker's internal endpoints. Every call carries a fresh
/// service token naming the workspace it acts for; the worker takes the workspace from there.
/// </summary>
public sealed class AnalyticsClient(HttpClient http, IOptions<ServiceTokenOptions> options, TimeProvider time)
{
    // Service discovery takes the listed replicas in turn (round robin) and knows nothing of their
    // health, so with two listed and one gone every other request would fail. A refused connection
    // means the worker never saw the request: it is sent again, and the next turn picks the next
    // replica. Nothing is repeated once a worker has the request (a timeout, a 504, a worker dying
    // mid-query): a query that killed one worker must not go on to kill the next.
    private const int ConnectAttempts = 3;

    public async Task<EngineVersion> EngineVersionAsync(Guid workspaceId, string workspaceName, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, AnalyticsRoutes.EngineVersion, workspaceId, workspaceName), HttpCompletionOption.ResponseContentRead, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<EngineVersion>(ct)
            ?? throw new InvalidOperationException("The analytics worker answered with an empty body.");
    }

    /// <summary>Starts a query in <paramref name="workspaceName"/>; the caller streams the body (any status) and disposes the response.</summary>
    /// <param name="body">An <see cref="InternalQueryRequest"/> (typed as object so tests can send what the Api never would).</param>
    public Task<HttpResponseMessage> QueryAsync(Guid workspaceId, string workspaceName, object body, CancellationToken ct) =>
        SendAsync(() =>
        {
            var request = Request(HttpMethod.Post, AnalyticsRoutes.Query, workspaceId, workspaceName);
            request.Content = JsonContent.Create(body);
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, ct);

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            try
            {
                return await http.SendAsync(message, completion, ct);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < ConnectAttempts)
            {
            }
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, Guid workspaceId, string workspaceName)
    {
        var token = ServiceToken.Issue(options.Value.SigningKey!, workspaceId, workspaceName, time.GetUtcNow());
        return new HttpRequestMessage(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
    }
}

public static class AnalyticsClientSetup
{
    /// <summary>
    /// The <see cref="AnalyticsClient"/>: "analytics" resolves through service discovery
    /// (<c>services__analytics__http__N</c>) to a replica of the analytics worker; its calls are
    /// signed with <c>Ductus:ServiceToken:SigningKey</c>.
    /// </summary>
    public static TBuilder AddAnalyticsClient<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<ServiceTokenOptions, ServiceTokenOptionsValidator>(ServiceTokenOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        var services = builder.Services;
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental, but the only way to opt one client out of the defaults.
        services.AddHttpClient<AnalyticsClient>(client =>
            {
                client.BaseAddress = new Uri($"http://{Resources.Analytics}");
                // The worker enforces the query timeout itself; this only bounds a hung connection.
                client.Timeout = TimeSpan.FromMinutes(5);
            })
            // A query that timed out (504) or was refused must not be run again by a retry policy.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }
}
