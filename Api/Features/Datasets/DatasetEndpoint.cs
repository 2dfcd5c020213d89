using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets;

/// <summary>A read of the one dataset the route names, open to analysts and up.</summary>
public abstract class DatasetEndpoint<TResponse>(CatalogStore catalog) : LookupEndpoint<DatasetNameRequest, TResponse>
    where TResponse : notnull
{
    protected CatalogStore Catalog { get; } = catalog;

    protected void DescribeRead(string route, string summary, string description)
    {
        Get(route);
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets").ProducesAuthFailures().ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s => (s.Summary, s.Description) = (summary, description));
    }

    protected async Task<DatasetRecord?> FindDatasetAsync(Guid workspace, DatasetNameRequest req, CancellationToken ct) => await FoundOr404Async(
        await Catalog.Datasets.GetAsync(workspace, req.Name, ct), r => r.Name, "No dataset with this name in your workspace.", ct);
}
