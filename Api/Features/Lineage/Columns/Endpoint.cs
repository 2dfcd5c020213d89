using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Lineage.Columns;

public sealed class Endpoint(CatalogStore catalog) : LineageEndpoint<Request, ColumnLineageAnswer>(catalog)
{
    public override void Configure() => ConfigureLineage("/api/lineage/columns",
        "Get a dataset's column lineage",
        "For each column of a dataset, the columns one hop up it is made from (`direct`: the values as they are, possibly renamed; " +
        "`expression`: computed from them) and the pipelines or models writing it, from the saved specs' SQL as DuckDB parses it. " +
        "`depth` follows the upstream columns further up. What cannot be resolved says why in `unknown`.");

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (await LoadAsync(req.Dataset, r => r.Dataset, ct) is { } inputs)
        {
            await Send.OkAsync(new ColumnTracer(inputs.Pipelines, inputs.Datasets).Walk(req.Dataset, req.Depth), ct);
        }
    }
}
