using System.Diagnostics;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Analytics.Query;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Lake;
using Ductus.Core.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace Ductus.Analytics;

public static class QueryEndpoint
{
    public static void MapQueryEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost(AnalyticsRoutes.Query, HandleAsync).RequireAuthorization();

    private static async Task HandleAsync(HttpContext http, InternalQueryRequest request, QueryEngine engine, ErrorRedactor redactor, LakeFileProblems lakeFiles, PiiReadLog piiReads, ILoggerFactory logs)
    {
        var ct = http.RequestAborted;
        var log = logs.CreateLogger(typeof(QueryEndpoint));
        using var activity = DuctusTelemetry.ActivitySource.StartActivity("query", ActivityKind.Internal);
        activity?.SetTag("ductus.query.format", request.Format ?? "json");
        // The fallback policy already demanded both claims; a malformed one is the Api's bug.
        if (ServiceToken.Workspace(http.User) is not { } workspace || !LakeFolders.IsSingleFolderName(workspace.Name))
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Bad workspace", "the service token must name a workspace by id and folder name");
            return;
        }

        activity?.SetTag("ductus.workspace", workspace.Name);
        if (QueryResultFormats.Parse(request.Format) is not { } format)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Unknown result format", $"format '{request.Format}' is not one of json, csv, ndjson, parquet");
            return;
        }

        try
        {
            var parameters = request.Parameters?.ToDictionary(p => p.Key, p => ToValue(p.Value));
            await using var session = await engine.OpenAsync(
                new QueryRequest(workspace.Id, workspace.Name, request.Sql ?? string.Empty, parameters, request.Versions, request.Limit,
                    request.TimeoutMs is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null, request.Masks), ct);
            // The datasets' files opened: whatever was reported of them is no more.
            lakeFiles.Readable(workspace.Name, session.Versions.Keys);
            var versions = string.Join(',', session.Versions.Select(v => $"{v.Key}={v.Value}"));
            http.Response.Headers[DuctusHeaders.Versions] = versions;
            activity?.SetTag("ductus.query.versions", versions);

            if (format == QueryResultFormat.Parquet)
            {
                var file = await session.WriteParquetAsync(ct);
                http.Response.ContentType = QueryResultFormats.ContentType(format);
                http.Response.Headers[DuctusHeaders.Truncated] = file.Truncated ? "true" : "false";
                activity?.SetTag("ductus.query.rows", file.Rows);
                activity?.SetTag("ductus.query.truncated", file.Truncated);
                await http.Response.SendFileAsync(file.Path, ct);
                await piiReads.WriteAsync(workspace.Id, request.PiiRead, session, file.Rows);
                return;
            }

            await using var cursor = await session.QueryAsync(ct);
            http.Response.ContentType = QueryResultFormats.ContentType(format);
            var trailers = format != QueryResultFormat.Json && http.Response.SupportsTrailers();
            if (trailers)
            {
                http.Response.DeclareTrailer(DuctusHeaders.Truncated);
            }

            try
            {
                await (format switch
                {
                    QueryResultFormat.Csv => QueryResultWriter.WriteCsvAsync(cursor, http.Response.Body, ct),
                    QueryResultFormat.Ndjson => QueryResultWriter.WriteNdjsonAsync(cursor, http.Response.Body, ct),
                    _ => QueryResultWriter.WriteJsonAsync(cursor, http.Response.Body, ct),
                });
            }
            catch (Exception ex) when (ex is QueryTimeoutException or QueryFailedException && http.Response.HasStarted)
            {
                // The status is already sent: cut the connection so the client cannot take a
                // partial body for a whole result.
                log.LogWarning(ex, "Query failed while streaming its result ({CorrelationId})", ErrorRedactor.CorrelationId(http.TraceIdentifier));
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                http.Features.Get<IHttpResetFeature>()?.Reset(2);
                http.Abort();
                return;
            }

            activity?.SetTag("ductus.query.rows", cursor.RowCount);
            activity?.SetTag("ductus.query.truncated", cursor.Truncated);
            await piiReads.WriteAsync(workspace.Id, request.PiiRead, session, cursor.RowCount);
            if (trailers)
            {
                http.Response.AppendTrailer(DuctusHeaders.Truncated, cursor.Truncated ? "true" : "false");
            }
        }
        catch (QueryRefusedException ex)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Query refused", ex.Message);
        }
        catch (QueryFailedException ex)
        {
            await FailedAsync(http, StatusCodes.Status400BadRequest, ex, redactor, log);
        }
        catch (QueryNotFoundException ex)
        {
            await Problem(http, StatusCodes.Status404NotFound, "Dataset or version not found", ex.Message);
        }
        catch (QueryTimeoutException ex)
        {
            await Problem(http, StatusCodes.Status504GatewayTimeout, "Query timed out", ex.Message);
        }
        catch (Exception ex) when (CatalogOutage.IsOutage(ex))
        {
            // The catalog reads that pin the datasets' snapshots met PostgreSQL restarting (or a
            // pooled connection its restart cut): answered as the Api answers it, so the caller
            // retries instead of taking a 500 for a fault of the statement.
            log.LogWarning("The catalog database is unavailable; a query answered 503: {Error}", ex.Message);
            http.Response.Headers.RetryAfter = CatalogOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problem(http, StatusCodes.Status503ServiceUnavailable, CatalogOutage.ProblemTitle, CatalogOutage.ProblemDetail);
        }
        catch (Exception ex) when (ex is DuckDBException or IOException or UnauthorizedAccessException)
        {
            // Opening the sandbox failed (a snapshot's file is missing or unreadable): the lake's
            // fault, not the statement's. The answer names the dataset and file, as health does.
            var damaged = lakeFiles.Record(workspace.Name, ex);
            var prefix = damaged.Count == 0 ? string.Empty
                : string.Join("; ", damaged.Select(d => $"dataset {d.Dataset} cannot be read: its file {d.File} is missing or damaged")) + ". ";
            await FailedAsync(http, StatusCodes.Status500InternalServerError, ex, redactor, log, prefix);
        }
    }

    /// <summary>A DuckDB or file-system error: logged in full, answered redacted (paths relative to the lake, no addresses).</summary>
    private static Task FailedAsync(HttpContext http, int status, Exception ex, ErrorRedactor redactor, ILogger log, string prefix = "")
    {
        log.LogWarning(ex, "Query failed ({CorrelationId}): {Error}", ErrorRedactor.CorrelationId(http.TraceIdentifier), ex.Message);
        return Problem(http, status, "Query failed", prefix + redactor.Redact(ex.Message));
    }

    private static Task Problem(HttpContext http, int status, string title, string detail)
    {
        Activity.Current?.SetTag("ductus.query.refused", detail);
        if (http.Response.HasStarted)
        {
            http.Abort();
            return Task.CompletedTask;
        }

        http.Response.Headers.Remove(DuctusHeaders.Versions);
        return Results.Problem(
            detail: detail,
            statusCode: status,
            title: title,
            extensions: new Dictionary<string, object?> { [ErrorRedactor.CorrelationIdMember] = ErrorRedactor.CorrelationId(http.TraceIdentifier) }).ExecuteAsync(http);
    }

    /// <summary>JSON parameter values as the CLR values DuckDB binds (integers stay integers).</summary>
    private static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number when value.TryGetDecimal(out var d) => d,
        JsonValueKind.Number => value.GetDouble(),
        _ => throw new QueryRefusedException($"parameter values must be strings, numbers, booleans or null, not {value.ValueKind}"),
    };
}
