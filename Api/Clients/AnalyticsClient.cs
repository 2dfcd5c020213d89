using System.Net.Http.Json;

namespace Ductus.Api.Clients;

/// <summary>Typed client for the analytics worker's internal endpoints.</summary>
public sealed class AnalyticsClient(HttpClient http)
{
    public async Task<EngineVersion> EngineVersionAsync(CancellationToken ct) =>
        await http.GetFromJsonAsync<EngineVersion>("/internal/engine/version", ct)
            ?? throw new InvalidOperationException("The analytics worker answered with an empty body.");
}

public sealed record EngineVersion(string Engine, string Version);
