using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Lineage.Columns;

public sealed class Endpoint(CatalogStore catalog) : Endpoint<Request, ColumnLineageAnswer>
{
    public override void Configure()
    {
        Get("/api/lineage/columns");
        // Column names and the SQL's shape: what an analyst already sees in datasets and specs.
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Lineage")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Get a dataset's column lineage";
            s.Description = "For each column of a dataset, the columns one hop up it is made from (`direct`: the values as they are, possibly renamed; " +
                "`expression`: computed from them) and the pipelines or models writing it, from the saved specs' SQL as DuckDB parses it. " +
                "`depth` follows the upstream columns further up. What cannot be resolved says why in `unknown`.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var pipelines = await catalog.Pipelines.ListAsync(workspace, ct);
        var datasets = await catalog.Datasets.ListAsync(workspace, ct);
        if (!LineageGraph.Build(pipelines, datasets).Contains(req.Dataset))
        {
            // Names of other workspaces answer the same as names nobody uses.
            AddError(r => r.Dataset, $"No dataset '{req.Dataset}' in your workspace: no dataset, pipeline target or model input has this name.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(new ColumnTracer(pipelines, datasets).Walk(req.Dataset, req.Depth), ct);
    }
}
