using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Datasets.List;

public sealed class Endpoint(CatalogStore catalog, TimeProvider time, IOptions<CatalogOptions> options) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/datasets");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "The catalog: every dataset of the caller's workspace";
            s.Description = "Name, description, columns with types and descriptions, row count, current version, last load, " +
                "the pipeline that loads it, and its freshness against the expected schedule.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var datasets = await catalog.Datasets.ListAsync(User.WorkspaceId(), ct);
        var now = time.GetUtcNow();
        await Send.OkAsync(new Response([.. datasets.Select(d => Dataset.From(d, now, options.Value.FreshnessTolerance))]), ct);
    }
}
