using System.Collections.Concurrent;
using System.Text.Json;
using Ductus.Api.Clients;
using Ductus.Core.Catalog;
using Ductus.Core.Query;

namespace Ductus.Api.Query;

/// <summary>
/// The one path every read of the lake takes from the Api (<c>/api/query</c>, aggregate,
/// preview): guard, version resolution, cache lookup, then the analytics worker's sandbox,
/// streamed to the caller and copied into the cache while it still fits one entry.
/// </summary>
public sealed class QueryRunner(AnalyticsClient analytics, QueryCache cache)
{
    public const string CacheHeader = "X-Ductus-Cache";

    private static readonly string[] PassedHeaders = ["X-Ductus-Versions", "X-Ductus-Truncated"];

    /// <summary>
    /// Runs <paramref name="sql"/> and writes the result (or a 404/504 problem) to the response.
    /// Returns the guard's reason when the statement is refused; nothing is written then, so the
    /// caller can name its own field.
    /// </summary>
    public async Task<string?> RunAsync(
        HttpContext http,
        Guid workspace,
        string workspaceName,
        IReadOnlyDictionary<string, DatasetRecord> datasets,
        string sql,
        IReadOnlyDictionary<string, JsonElement>? parameters,
        IReadOnlyDictionary<string, long>? pinned,
        int? limit,
        CancellationToken ct)
    {
        var guard = await CheckAsync(sql, datasets.Keys, ct);
        if (!guard.Allowed)
        {
            return guard.Error ?? "the statement is not allowed";
        }

        var versions = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in guard.Datasets)
        {
            if (pinned?.FirstOrDefault(v => string.Equals(v.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } pin)
            {
                versions[name] = pin.Value;
            }
            else if (datasets[name].CurrentVersion is { } current)
            {
                versions[name] = current;
            }
            else
            {
                await TypedResults.Problem($"dataset '{name}' has no data yet", statusCode: StatusCodes.Status404NotFound, title: "No snapshot").ExecuteAsync(http);
                return null;
            }
        }

        var format = Format(http.Request.Headers.Accept.ToString());
        var key = QueryCache.Key(workspace, guard.Sql!, parameters, versions, format, limit);
        var (state, cached) = await cache.GetAsync(key);
        if (cached is not null)
        {
            http.Response.Headers[CacheHeader] = "hit";
            http.Response.ContentType = QueryResultWriter.ContentType(QueryResultWriter.Parse(format)!.Value);
            await http.Response.Body.WriteAsync(cached, ct);
            return null;
        }

        // The worker reads exactly the versions in the key, so what is cached matches its key.
        using var response = await analytics.QueryAsync(new
        {
            workspaceId = workspace,
            workspace = workspaceName,
            sql = guard.Sql,
            parameters,
            versions,
            limit,
            format,
        }, ct);
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
        http.Response.Headers[CacheHeader] = state switch
        {
            CacheState.Unavailable => "unavailable",
            CacheState.Disabled => "disabled",
            _ => "miss",
        };
        foreach (var header in PassedHeaders)
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                http.Response.Headers[header] = values.ToArray();
            }
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        var cacheable = response.IsSuccessStatusCode && state == CacheState.Miss;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
            if (cacheable)
            {
                copy.Write(buffer, 0, read);
                cacheable = copy.Length <= cache.MaxEntryBytes;
            }
        }

        if (cacheable)
        {
            await cache.SetAsync(key, copy.GetBuffer().AsMemory(0, (int)copy.Length));
        }

        return null;
    }

    // The guard is a pure function of the text and the dataset names. A check once opened a
    // DuckDB instance (measured as the dominant cost of a cache hit under 50 concurrent clients);
    // it now parses on a shared instance (~0.5 ms), and remembering recent verdicts still spares
    // a cache hit even that.
    private static readonly ConcurrentDictionary<string, GuardResult> Verdicts = new(StringComparer.Ordinal);

    private const int MaxVerdicts = 10_000;

    private static async Task<GuardResult> CheckAsync(string sql, IEnumerable<string> datasets, CancellationToken ct)
    {
        var names = datasets.Order(StringComparer.OrdinalIgnoreCase).ToArray();
        var key = string.Join('\u001f', names) + "\u001e" + sql;
        if (Verdicts.TryGetValue(key, out var known))
        {
            return known;
        }

        var verdict = await SqlGuard.CheckAsync(sql, names, ct);
        if (Verdicts.Count >= MaxVerdicts)
        {
            Verdicts.Clear();
        }

        Verdicts[key] = verdict;
        return verdict;
    }

    private static string Format(string accept) =>
        accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase) ? "csv"
        : accept.Contains("ndjson", StringComparison.OrdinalIgnoreCase) ? "ndjson"
        : accept.Contains("parquet", StringComparison.OrdinalIgnoreCase) ? "parquet"
        : "json";
}
