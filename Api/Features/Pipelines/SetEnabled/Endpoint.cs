using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.SetEnabled;

/// <summary>
/// Pauses or resumes a pipeline's schedule without touching its spec (no new version): the
/// operator's switch for a pipeline whose source is down or whose output is being fixed.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : Endpoint<Request, Pipeline>
{
    public override void Configure()
    {
        Patch("/api/pipelines/{name}");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Pause or resume a pipeline's schedule";
            s.Description = "`{\"enabled\": false}` stops the schedule from firing (runs can still be triggered); `{\"enabled\": true}` resumes it. " +
                "The scheduler follows within a second; `nextRunAt` shows the result.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (!await catalog.Pipelines.SetEnabledAsync(workspace, req.Name, req.Enabled!.Value,
            HttpContext.Audit(AuditActions.PipelineUpdated, req.Name), ct))
        {
            AddError(r => r.Name, "No pipeline with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await notifier.PipelineChangedAsync(workspace, req.Name);
        await Send.OkAsync((await Pipeline.LoadAsync(catalog, workspace, req.Name, ct))!, ct);
    }
}
