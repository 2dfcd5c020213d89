using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.Replay;

public sealed class Endpoint(CatalogStore catalog, RejectStore rejects, RunNotifier notifier) : RunActionEndpoint(catalog)
{
    public override void Configure() => DescribeAction(
        "/api/runs/{id}/replay",
        "Replay a run's rejected rows",
        "Queues a new run (trigger `replay`, `replayOf` the given run) that re-submits the rejected rows through the " +
            "pipeline's current spec, e.g. after a contract was fixed. 409 when the run has no rejects or its pipeline is gone.");

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await FindRunAsync(workspace, req, ct) is not { } original)
        {
            return;
        }

        var rejected = await rejects.CountAsync(workspace, req.Id, ct);
        if (rejected == 0)
        {
            await ConflictAsync("The run has no rejected rows to replay.", ct);
            return;
        }

        if (await Catalog.Pipelines.GetAsync(workspace, original.Pipeline, ct) is null)
        {
            await ConflictAsync($"The run's pipeline '{original.Pipeline}' no longer exists, so there is no spec to replay through.", ct);
            return;
        }

        var run = await Catalog.Runs.CreateAsync(workspace, original.Pipeline, original.Dataset, RunTrigger.Replay, original.Id,
            HttpContext.Audit(AuditActions.RunReplayed, original.Pipeline, before: new { rejects = rejected }), ct);
        await notifier.QueuedAsync(workspace, run.Id, run.Pipeline);
        HttpContext.Response.Headers.Location = Run.Location(run.Id);
        await Send.ResponseAsync(Run.From(run), StatusCodes.Status202Accepted, ct);
    }
}
