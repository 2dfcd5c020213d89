using System.Net.Http.Json;
using Ductus.Api.Auth;
using Ductus.Api.Clients;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Query;
using FastEndpoints;

namespace Ductus.Api.Features.Query.Run;

/// <summary>
/// Read-only SQL over the caller's workspace. The statement is checked here with DuckDB's own
/// parser (to learn which datasets it reads and at which versions, for the cache key) and again
/// by the analytics worker, which runs it in a sandbox that can see only this workspace.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, AnalyticsClient analytics, QueryCache cache) : Endpoint<Request>
{
    public const string CacheHeader = "X-Ductus-Cache";

    public override void Configure()
    {
        Post("/api/query");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Query")
            .Produces<object>(StatusCodes.Status200OK, "application/json", "text/csv", "application/x-ndjson", "application/vnd.apache.parquet")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status504GatewayTimeout));
        Summary(s =>
        {
            s.Summary = "Run a read-only SQL query over the workspace's datasets";
            s.Description = "JSON {columns, rows, truncated} by default; CSV, NDJSON or Parquet by the Accept header. "
                + "Results are cached by the snapshot versions they read; the X-Ductus-Cache header says hit or miss.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var workspaceName = User.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default";
        var datasets = (await catalog.ListDatasetsAsync(workspace, ct)).ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

        var guard = await SqlGuard.CheckAsync(req.Sql, datasets.Keys, ct);
        if (!guard.Allowed)
        {
            AddError(r => r.Sql, guard.Error ?? "the statement is not allowed");
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        var versions = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in guard.Datasets)
        {
            if (req.Versions?.FirstOrDefault(v => string.Equals(v.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } pinned)
            {
                versions[name] = pinned.Value;
            }
            else if (datasets[name].CurrentVersion is { } current)
            {
                versions[name] = current;
            }
            else
            {
                await Send.ResultAsync(TypedResults.Problem($"dataset '{name}' has no data yet", statusCode: StatusCodes.Status404NotFound, title: "No snapshot"));
                return;
            }
        }

        var format = Format(HttpContext.Request.Headers.Accept.ToString());
        var key = QueryCache.Key(workspace, guard.Sql!, req.Parameters, versions, format, req.Limit);
        var cached = await cache.GetAsync(key);
        if (cached is not null)
        {
            HttpContext.Response.Headers[CacheHeader] = "hit";
            HttpContext.Response.ContentType = QueryResultWriter.ContentType(QueryResultWriter.Parse(format)!.Value);
            await HttpContext.Response.Body.WriteAsync(cached, ct);
            return;
        }

        // The worker reads exactly the versions in the key, so what is cached matches its key.
        using var response = await analytics.QueryAsync(new
        {
            workspaceId = workspace,
            workspace = workspaceName,
            sql = guard.Sql,
            parameters = req.Parameters,
            versions,
            limit = req.Limit,
            format,
        }, ct);
        HttpContext.Response.StatusCode = (int)response.StatusCode;
        HttpContext.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
        HttpContext.Response.Headers[CacheHeader] = "miss";
        foreach (var header in new[] { "X-Ductus-Versions", "X-Ductus-Truncated" })
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                HttpContext.Response.Headers[header] = values.ToArray();
            }
        }

        // Streamed through; copied aside only while it still fits in one cache entry.
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        var cacheable = response.IsSuccessStatusCode && cache.Enabled;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await HttpContext.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
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
    }

    private static string Format(string accept) =>
        accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase) ? "csv"
        : accept.Contains("ndjson", StringComparison.OrdinalIgnoreCase) ? "ndjson"
        : accept.Contains("parquet", StringComparison.OrdinalIgnoreCase) ? "parquet"
        : "json";
}
