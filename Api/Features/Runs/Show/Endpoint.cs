using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.Show;

public sealed class Endpoint(CatalogStore catalog, PiiAccess pii) : Endpoint<RunIdRequest, Run>
{
    public override void Configure()
    {
        Get("/api/runs/{id}");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Get a run";
            s.Description = "Its status, row counts, snapshot version, timings per step and, for a failed run, the step and the error; for a model's run, the snapshot version of each dataset it read (`inputs`) and whether it built incrementally or in full, and why (`build`).";
        });
    }

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.Runs.GetAsync(workspace, req.Id, ct) is not { } run)
        {
            // Runs of other workspaces answer the same as runs that do not exist.
            AddError(r => r.Id, "No run with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var model = await catalog.Models.OfRunAsync(workspace, run.Id, ct);
        var view = await pii.RunViewAsync(User, ct);
        await Send.OkAsync(view(Run.From(run)) with { Inputs = [.. model.Inputs.Select(PinnedInput.From)], Build = model.Build is null ? null : ModelBuild.From(model.Build) }, ct);
    }
}
