using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Show;

public sealed class Endpoint(CatalogStore catalog) : Endpoint<Request, Pipeline>
{
    public override void Configure()
    {
        Get("/api/pipelines/{name}");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Pipelines")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Get a pipeline";
            s.Description = "The current version of the pipeline with its spec as JSON, and when its schedule fires next " +
                "(`nextRunAt`, from the clustered scheduler) or why it will not (`nextRunNote`).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (await Pipeline.LoadAsync(catalog, User.WorkspaceId(), req.Name, ct) is not { } pipeline)
        {
            // Pipelines of other workspaces answer the same as pipelines that do not exist.
            AddError(r => r.Name, "No pipeline with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(pipeline, ct);
    }
}
