using Ductus.Api.Auth;
using Ductus.Api.Features.Datasets.Snapshots;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Rollback;

public sealed class Endpoint(CatalogStore catalog) : Endpoint<Request, Snapshot>
{
    public override void Configure()
    {
        Post("/api/datasets/{name}/rollback");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Datasets")
            .Produces<Snapshot>(StatusCodes.Status201Created, "application/json")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Roll a dataset back to an earlier snapshot";
            s.Description = "Commits a NEW snapshot (operation `rollback`) listing exactly the files of `version`; every older " +
                "version stays as it was, so the rollback can itself be undone. 404 when the dataset or the version does not exist " +
                "(expired by retention, or never committed); 409 when `version` is already the current one.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.Datasets.GetAsync(workspace, req.Name, ct) is not { } dataset)
        {
            AddError(r => r.Name, "No dataset with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var version = req.Version!.Value;
        if (dataset.CurrentVersion == version)
        {
            AddError(r => r.Version, $"Version {version} is already the current one: nothing to roll back.");
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        var audit = HttpContext.Audit(AuditActions.DatasetRolledBack, req.Name);
        if (await catalog.Committer.RollbackAsync(workspace, req.Name, version, audit, ct) is not { } result)
        {
            AddError(r => r.Version, $"Dataset '{req.Name}' has no snapshot version {version} (never committed, or expired by retention).");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var snapshot = (await catalog.Datasets.ListSnapshotsAsync(workspace, req.Name, ct)).First(s => s.Version == result.Version);
        await Send.ResponseAsync(Snapshot.From(snapshot), StatusCodes.Status201Created, ct);
    }
}
