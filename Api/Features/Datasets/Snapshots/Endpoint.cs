using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Snapshots;

public sealed class Endpoint(CatalogStore catalog) : Endpoint<DatasetNameRequest, Response>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}/snapshots");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "A dataset's snapshots, newest first";
            s.Description = "Every retained version with the run that committed it, its operation, rows, files and bytes.";
        });
    }

    public override async Task HandleAsync(DatasetNameRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await catalog.GetDatasetAsync(workspace, req.Name, ct) is null)
        {
            AddError(r => r.Name, "No dataset with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var snapshots = await catalog.ListSnapshotsAsync(workspace, req.Name, ct);
        await Send.OkAsync(new Response([.. snapshots.Select(s => new Snapshot(
            s.Version, s.ParentVersion, s.RunId, s.Operation.ToString().ToLowerInvariant(), s.RowCount, s.FileCount, s.Bytes, s.CreatedAt))]), ct);
    }
}
