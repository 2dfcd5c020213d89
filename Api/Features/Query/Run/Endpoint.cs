using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Query.Run;

/// <summary>
/// Read-only SQL over the caller's workspace. The statement is checked here with DuckDB's own
/// parser (to learn which datasets it reads and at which versions, for the cache key) and again
/// by the analytics worker, which runs it in a sandbox that can see only this workspace.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, QueryRunner runner) : Endpoint<Request>
{
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
        if (await runner.RunAsync(HttpContext, workspace, workspaceName, datasets, req.Sql, req.Parameters, req.Versions, req.Limit, ct) is { } refusal)
        {
            AddError(r => r.Sql, refusal);
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
        }
    }
}
