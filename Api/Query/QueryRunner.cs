using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ductus.Api.Clients;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Query;
using Ductus.Core.Telemetry;

namespace Ductus.Api.Query;

/// <summary>
/// The one path every read of the lake takes from the Api (<c>/api/query</c>, aggregate,
/// preview): guard, version resolution, cache lookup, then the analytics worker's sandbox,
/// streamed to the caller and copied into the cache while it still fits one entry. Errors reach
/// the caller redacted (no server paths, no internal addresses) with the correlation id under
/// which the full text was logged.
/// </summary>
public sealed class QueryRunner(AnalyticsClient analytics, QueryCache cache, CatalogStore catalog, PiiAccess pii, ErrorRedactor redactor, ILogger<QueryRunner> logger)
{
    // A worker's problem detail is a few hundred bytes; anything longer is not one.
    private const int MaxProblemBytes = 64 * 1024;

    // Retry-After: the worker's 503 (catalog restarting) tells the caller when to come back.
    private static readonly string[] PassedHeaders = [DuctusHeaders.Versions, DuctusHeaders.Truncated, Microsoft.Net.Http.Headers.HeaderNames.RetryAfter];

    /// <summary>The caller's workspace and its datasets, which <see cref="RunAsync"/> checks a statement against.</summary>
    public Task<QueryScope> ScopeAsync(ClaimsPrincipal user, CancellationToken ct) => QueryScope.LoadAsync(catalog, user, ct);

    /// <summary>
    /// Runs <paramref name="sql"/> and writes the result (or a 404/504 problem) to the response.
    /// Returns the guard's reason when the statement is refused; nothing is written then, so the
    /// caller can name its own field.
    /// </summary>
    public async Task<string?> RunAsync(
        HttpContext http,
        QueryScope scope,
        string sql,
        IReadOnlyDictionary<string, JsonElement>? parameters,
        IReadOnlyDictionary<string, long>? pinned,
        int? limit,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var datasets = scope.Datasets;
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

        var started = Stopwatch.GetTimestamp();
        var format = Format(http.Request.Headers.Accept.ToString());
        var personal = await pii.DecideAsync(scope, guard, ct);
        var key = QueryCache.Key(scope.Workspace, guard.Sql!, parameters, versions, format, limit, personal.CacheKey);
        // An unmasked PII result is neither served from nor kept in Redis: each read is audited
        // with its row count, and personal data does not linger in a cache.
        var (state, cached) = personal.Audit is null ? await cache.GetAsync(key) : (CacheState.Bypassed, null);
        if (cached is not null)
        {
            http.Response.Headers[DuctusHeaders.Cache] = "hit";
            http.Response.ContentType = QueryResultFormats.ContentType(QueryResultFormats.Parse(format)!.Value);
            await http.Response.Body.WriteAsync(cached, ct);
            DuctusTelemetry.QueryCacheHits.Add(1);
            DuctusTelemetry.QueryDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("cache", "hit"));
            return null;
        }

        if (state == CacheState.Miss)
        {
            DuctusTelemetry.QueryCacheMisses.Add(1);
        }

        // The worker reads exactly the versions in the key, so what is cached matches its key. The
        // workspace travels in the service token, not in the body.
        HttpResponseMessage sent;
        try
        {
            sent = await analytics.QueryAsync(scope.Workspace, scope.WorkspaceName,
                new InternalQueryRequest(guard.Sql!, parameters, versions, limit, format, TimeoutMs: null, personal.Masks, personal.Audit), ct);
        }
        catch (HttpRequestException ex)
        {
            var id = ErrorRedactor.CorrelationId(http.TraceIdentifier);
            logger.LogError(ex, "The analytics worker could not be reached ({CorrelationId})", id);
            await ProblemAsync(http, StatusCodes.Status502BadGateway, "Query engine unavailable",
                "The query engine could not be reached; try again shortly.", id);
            return null;
        }

        using var response = sent;
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
        http.Response.Headers[DuctusHeaders.Cache] = state switch
        {
            CacheState.Unavailable => "unavailable",
            CacheState.Disabled => "disabled",
            CacheState.Bypassed => "bypassed",
            _ => "miss",
        };
        foreach (var header in PassedHeaders)
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                http.Response.Headers[header] = values.ToArray();
            }
        }

        if (!response.IsSuccessStatusCode)
        {
            await ForwardProblemAsync(http, response, ct);
            return null;
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        var cacheable = state == CacheState.Miss;
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

        DuctusTelemetry.QueryDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("cache", state == CacheState.Miss ? "miss" : "off"));
        return null;
    }

    /// <summary>
    /// Runs a statement the Api composed itself (over one workspace's datasets at the given
    /// versions) and returns its JSON result (<c>{"columns","rows","truncated"}</c>) for the Api to
    /// compute with, instead of streaming it to the caller. Not cached: such results are parts of
    /// an answer, not answers. A worker's refusal or failure is a <see cref="QueryFailedException"/>.
    /// </summary>
    public async Task<JsonElement> ReadJsonAsync(QueryScope scope, string sql, IReadOnlyDictionary<string, long> versions, int? limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var guard = await CheckAsync(sql, scope.Datasets.Keys, ct);
        if (!guard.Allowed)
        {
            throw new InvalidOperationException($"The Api's own statement was refused: {guard.Error}");
        }

        var personal = await pii.DecideAsync(scope, guard, ct);
        using var response = await analytics.QueryAsync(scope.Workspace, scope.WorkspaceName,
            new InternalQueryRequest(guard.Sql!, null, versions, limit, "json", TimeoutMs: null, personal.Masks, personal.Audit), ct);
        if (!response.IsSuccessStatusCode)
        {
            var text = await ReadBoundedAsync(response.Content, ct);
            logger.LogWarning("The analytics worker answered {Status} to a statement of the Api: {Body}", (int)response.StatusCode, text);
            var detail = "The query engine failed.";
            try
            {
                if (JsonNode.Parse(text) is JsonObject { } problem && problem["detail"]?.GetValueKind() == JsonValueKind.String)
                {
                    detail = redactor.Redact(problem["detail"]!.GetValue<string>());
                }
            }
            catch (JsonException)
            {
            }

            throw new QueryFailedException((int)response.StatusCode, detail);
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var result = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        return result.RootElement.Clone();
    }

    /// <summary>
    /// The worker's problem detail, with its detail redacted once more here (this process knows
    /// its own paths and addresses) and a correlation id kept or added. A body that is not a
    /// problem detail (a proxy's error page, a crash) is logged and replaced by a generic one.
    /// </summary>
    private async Task ForwardProblemAsync(HttpContext http, HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var text = await ReadBoundedAsync(response.Content, ct);
        JsonObject? problem = null;
        try
        {
            problem = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var id = problem?[ErrorRedactor.CorrelationIdMember]?.GetValueKind() == JsonValueKind.String
            ? problem[ErrorRedactor.CorrelationIdMember]!.GetValue<string>()
            : ErrorRedactor.CorrelationId(http.TraceIdentifier);
        if (problem is null)
        {
            logger.LogError("The analytics worker answered {Status} without a problem detail ({CorrelationId}): {Body}", status, id, text);
            await ProblemAsync(http, status, "Query failed", "The query engine failed.", id);
            return;
        }

        if (problem["detail"]?.GetValueKind() == JsonValueKind.String)
        {
            problem["detail"] = redactor.Redact(problem["detail"]!.GetValue<string>());
        }

        problem[ErrorRedactor.CorrelationIdMember] = id;
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/problem+json";
        await http.Response.WriteAsync(problem.ToJsonString(), ct);
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        await using var body = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[MaxProblemBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        return global::System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static Task ProblemAsync(HttpContext http, int status, string title, string detail, string correlationId) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { [ErrorRedactor.CorrelationIdMember] = correlationId }).ExecuteAsync(http);

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

/// <summary>The analytics worker refused or failed a statement the Api composed; <see cref="Status"/> is its answer's.</summary>
public sealed class QueryFailedException : Exception
{
    public QueryFailedException()
    {
    }

    public QueryFailedException(string message)
        : base(message)
    {
    }

    public QueryFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public QueryFailedException(int status, string detail)
        : base(detail) => Status = status;

    public int Status { get; } = StatusCodes.Status500InternalServerError;
}
