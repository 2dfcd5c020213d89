using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Delete;

public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/api/pipelines/{name}");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .Produces(StatusCodes.Status204NoContent)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Delete a pipeline";
            s.Description = "Removes the pipeline, its versions, its watermark and its scheduled job. Its runs and its dataset stay: they are history and data.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (!await catalog.Pipelines.DeleteAsync(User.WorkspaceId(), req.Name, ct))
        {
            AddError(r => r.Name, "No pipeline with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await notifier.PipelineChangedAsync(User.WorkspaceId(), req.Name);
        await Send.NoContentAsync(ct);
    }
}
