using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Lineage.Show;

public sealed class Endpoint(CatalogStore catalog) : LineageEndpoint<Request, LineageView>(catalog)
{
    public override void Configure() => ConfigureLineage("/api/lineage",
        "Get a dataset's lineage",
        "The datasets, pipelines, models and external sources around a dataset, with the edges data flows along " +
        "(source:P → pipeline:P → dataset:T; dataset:I → model:M → dataset:T), walked `depth` dataset-hops `up`, `down` or `both` " +
        "(the default) from the saved specs and the catalog. A source shows where it reads, never credentials or query strings.");

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (await LoadAsync(req.Dataset, r => r.Dataset, ct) is { } inputs)
        {
            await Send.OkAsync(inputs.Graph.Walk(req.Dataset, Enum.Parse<LineageDirection>(req.Direction, ignoreCase: true), req.Depth), ct);
        }
    }
}
