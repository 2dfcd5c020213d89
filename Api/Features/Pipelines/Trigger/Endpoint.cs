using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Api.Features.Runs;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Trigger;

/// <summary>
/// Queues a run; the Pipelines service executes it. Answering before the run starts keeps the
/// request short whatever the pipeline's size; the client follows the run at its Location.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : Endpoint<Request, Run>
{
    public override void Configure()
    {
        Post("/api/pipelines/{name}/runs");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .Produces<Run>(StatusCodes.Status202Accepted, "application/json")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Run a pipeline now";
            s.Description = "Queues a run of the pipeline's current version and answers 202 with it; `Location` is the run's URL. " +
                "The Pipelines service picks the run up and executes it.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.Pipelines.GetAsync(workspace, req.Name, ct) is not { } pipeline)
        {
            AddError(r => r.Name, "No pipeline with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var run = await catalog.Runs.CreateAsync(workspace, pipeline.Name, pipeline.Dataset, RunTrigger.Api,
            audit: HttpContext.Audit(AuditActions.RunTriggered, pipeline.Name), ct: ct);
        await notifier.QueuedAsync(workspace, run.Id, run.Pipeline);
        HttpContext.Response.Headers.Location = Run.Location(run.Id);
        await Send.ResponseAsync(Run.From(run), StatusCodes.Status202Accepted, ct);
    }
}
