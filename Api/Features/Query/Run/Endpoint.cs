using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Contracts;
using FastEndpoints;

namespace Ductus.Api.Features.Query.Run;

/// <summary>
/// Read-only SQL over the caller's workspace. The statement is checked here with DuckDB's own
/// parser (to learn which datasets it reads and at which versions, for the cache key) and again
/// by the analytics worker, which runs it in a sandbox that can see only this workspace.
/// </summary>
public sealed class Endpoint(QueryRunner runner) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("/api/query");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Query").ProducesQueryResult().ProducesProblemDetails(StatusCodes.Status504GatewayTimeout));
        Summary(s =>
        {
            s.Summary = "Run a read-only SQL query over the workspace's datasets";
            s.Description = "JSON {columns, rows, truncated} by default; CSV, NDJSON or Parquet by the Accept header. "
                + $"Results are cached by the snapshot versions they read; the {DuctusHeaders.Cache} header says hit or miss.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var scope = await runner.ScopeAsync(User, ct);
        if (await runner.RunAsync(HttpContext, scope, req.Sql, req.Parameters, req.Versions, req.Limit, ct) is { } refusal)
        {
            AddError(r => r.Sql, refusal);
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
        }
    }
}
