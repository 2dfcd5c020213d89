using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.Cancel;

/// <summary>
/// Marks the run cancelled in the catalog, which is what counts: a running run's commit finds it
/// cancelled and gives up. The Redis message only lets the node running it stop early.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : Endpoint<RunIdRequest, Run>
{
    public override void Configure()
    {
        Post("/api/runs/{id}/cancel");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Runs")
            .Produces<Run>(StatusCodes.Status202Accepted, "application/json")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Cancel a queued or running run";
            s.Description = "Answers 202 with the cancelled run; 409 when it had already finished.";
        });
    }

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.GetRunAsync(workspace, req.Id, ct) is null)
        {
            AddError(r => r.Id, "No run with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var cancelled = await catalog.CancelRunAsync(workspace, req.Id, ct);
        var run = (await catalog.GetRunAsync(workspace, req.Id, ct))!;
        if (!cancelled)
        {
            AddError(r => r.Id, $"The run has already finished ({Run.Name(run.Status)}).");
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        await notifier.CancelAsync(workspace, run.Id, run.Pipeline);
        await Send.ResponseAsync(Run.From(run), StatusCodes.Status202Accepted, ct);
    }
}
