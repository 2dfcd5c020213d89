using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.Replay;

public sealed class Endpoint(CatalogStore catalog, RejectStore rejects, RunNotifier notifier) : Endpoint<RunIdRequest, Run>
{
    public override void Configure()
    {
        Post("/api/runs/{id}/replay");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Runs")
            .Produces<Run>(StatusCodes.Status202Accepted, "application/json")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Replay a run's rejected rows";
            s.Description = "Queues a new run (trigger `replay`, `replayOf` the given run) that re-submits the rejected rows through the " +
                "pipeline's current spec, e.g. after a contract was fixed. 409 when the run has no rejects or its pipeline is gone.";
        });
    }

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.GetRunAsync(workspace, req.Id, ct) is not { } original)
        {
            AddError(r => r.Id, "No run with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        if (await rejects.CountAsync(workspace, req.Id, ct) == 0)
        {
            AddError(r => r.Id, "The run has no rejected rows to replay.");
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        if (await catalog.GetPipelineAsync(workspace, original.Pipeline, ct) is null)
        {
            AddError(r => r.Id, $"The run's pipeline '{original.Pipeline}' no longer exists, so there is no spec to replay through.");
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        var run = await catalog.CreateRunAsync(workspace, original.Pipeline, original.Dataset, RunTrigger.Replay, original.Id, ct);
        await notifier.QueuedAsync(workspace, run.Id, run.Pipeline);
        HttpContext.Response.Headers.Location = Run.Location(run.Id);
        await Send.ResponseAsync(Run.From(run), StatusCodes.Status202Accepted, ct);
    }
}
