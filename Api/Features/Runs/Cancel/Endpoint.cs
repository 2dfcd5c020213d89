using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.Cancel;

/// <summary>
/// Marks the run cancelled in the catalog, which is what counts: a running run's commit finds it
/// cancelled and gives up. The Redis message only lets the node running it stop early.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : RunActionEndpoint(catalog)
{
    public override void Configure() => DescribeAction(
        "/api/runs/{id}/cancel",
        "Cancel a queued or running run",
        "Answers 202 with the cancelled run; 409 when it had already finished.");

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await FindRunAsync(workspace, req, ct) is not { } found)
        {
            return;
        }

        var cancelled = await Catalog.Runs.CancelAsync(workspace, req.Id, HttpContext.Audit(AuditActions.RunCancelled, found.Pipeline), ct);
        var run = (await Catalog.Runs.GetAsync(workspace, req.Id, ct))!;
        if (!cancelled)
        {
            await ConflictAsync($"The run has already finished ({Run.Name(run.Status)}).", ct);
            return;
        }

        await notifier.CancelAsync(workspace, run.Id, run.Pipeline);
        await Send.ResponseAsync(Run.From(run), StatusCodes.Status202Accepted, ct);
    }
}
