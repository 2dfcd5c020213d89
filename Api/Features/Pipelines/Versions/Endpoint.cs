using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Versions;

public sealed class Endpoint(CatalogStore catalog) : LookupEndpoint<Show.Request, Response>
{
    public override void Configure()
    {
        Get("/api/pipelines/{name}/versions");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Pipelines").ProducesAuthFailures().ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "A pipeline's spec history";
            s.Description = "Every saved version of the pipeline's spec, newest first, each with the text as it was sent " +
                "(YAML comments kept), its format, schedule and dataset, and when it was saved. Saving an unchanged spec makes no new version.";
        });
    }

    public override async Task HandleAsync(Show.Request req, CancellationToken ct)
    {
        var versions = await catalog.Pipelines.ListVersionsAsync(User.WorkspaceId(), req.Name, ct);
        // Every pipeline has its first version, so none means no such pipeline (in this workspace).
        if (await FoundOr404Async(versions.Count == 0 ? null : versions, r => r.Name, "No pipeline with this name in your workspace.", ct) is null)
        {
            return;
        }

        await Send.OkAsync(new Response([.. versions.Select(v => new PipelineVersion(v.Version, v.CreatedAt, v.Format, v.Schedule, v.Dataset, v.OriginalText))]), ct);
    }
}
