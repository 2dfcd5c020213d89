using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Datasets.Show;

public sealed class Endpoint(CatalogStore catalog, TimeProvider time, IOptions<CatalogOptions> options) : DatasetEndpoint<Dataset>(catalog)
{
    public override void Configure() => DescribeRead(
        "/api/datasets/{name}",
        "Get a dataset",
        "Its schema, size, current version, last load and freshness.");

    public override async Task HandleAsync(DatasetNameRequest req, CancellationToken ct)
    {
        if (await FindDatasetAsync(User.WorkspaceId(), req, ct) is { } dataset)
        {
            await Send.OkAsync(Dataset.From(dataset, time.GetUtcNow(), options.Value.FreshnessTolerance), ct);
        }
    }
}
