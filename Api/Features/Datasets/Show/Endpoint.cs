using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Datasets.Show;

public sealed class Endpoint(CatalogStore catalog, TimeProvider time, IOptions<CatalogOptions> options) : Endpoint<DatasetNameRequest, Dataset>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Get a dataset";
            s.Description = "Its schema, size, current version, last load and freshness.";
        });
    }

    public override async Task HandleAsync(DatasetNameRequest req, CancellationToken ct)
    {
        if (await catalog.GetDatasetAsync(User.WorkspaceId(), req.Name, ct) is not { } dataset)
        {
            // Datasets of other workspaces answer the same as datasets that do not exist.
            AddError(r => r.Name, "No dataset with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(Dataset.From(dataset, time.GetUtcNow(), options.Value.FreshnessTolerance), ct);
    }
}
