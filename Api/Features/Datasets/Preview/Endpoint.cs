using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Query;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Preview;

/// <summary>The first rows of a dataset, through the same sandbox and cache as <c>POST /api/query</c>.</summary>
public sealed class Endpoint(CatalogStore catalog, QueryRunner runner) : Endpoint<Request>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}/preview");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets")
            .Produces<object>(StatusCodes.Status200OK, "application/json", "text/csv", "application/x-ndjson", "application/vnd.apache.parquet")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Preview a dataset's first rows";
            s.Description = $"?limit= (default {Request.DefaultLimit}, at most {Request.MaxLimit}) and ?version= for an older snapshot; formats by Accept as for POST /api/query.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var datasets = (await catalog.ListDatasetsAsync(workspace, ct)).ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        if (!datasets.TryGetValue(req.Name, out var dataset))
        {
            AddError(r => r.Name, "No dataset with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var versions = req.Version is { } version ? new Dictionary<string, long> { [dataset.Name] = version } : null;
        var workspaceName = User.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default";
        var sql = $"SELECT * FROM {AggregateCompiler.Quote(dataset.Name)}";
        if (await runner.RunAsync(HttpContext, workspace, workspaceName, datasets, sql, null, versions, req.Limit ?? Request.DefaultLimit, ct) is { } refusal)
        {
            throw new InvalidOperationException($"The preview statement was refused: {refusal}");
        }
    }
}
