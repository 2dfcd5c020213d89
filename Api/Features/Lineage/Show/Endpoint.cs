using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Lineage.Show;

public sealed class Endpoint(CatalogStore catalog) : Endpoint<Request, LineageView>
{
    public override void Configure()
    {
        Get("/api/lineage");
        // The graph shows datasets, pipelines and where sources read: what an analyst already sees one by one.
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Lineage")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Get a dataset's lineage";
            s.Description = "The datasets, pipelines, models and external sources around a dataset, with the edges data flows along " +
                "(source:P → pipeline:P → dataset:T; dataset:I → model:M → dataset:T), walked `depth` dataset-hops `up`, `down` or `both` " +
                "(the default) from the saved specs and the catalog. A source shows where it reads, never credentials or query strings.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var graph = LineageGraph.Build(await catalog.Pipelines.ListAsync(workspace, ct), await catalog.Datasets.ListAsync(workspace, ct));
        if (!graph.Contains(req.Dataset))
        {
            // Names of other workspaces answer the same as names nobody uses.
            AddError(r => r.Dataset, $"No dataset '{req.Dataset}' in your workspace: no dataset, pipeline target or model input has this name.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(graph.Walk(req.Dataset, Enum.Parse<LineageDirection>(req.Direction, ignoreCase: true), req.Depth), ct);
    }
}
