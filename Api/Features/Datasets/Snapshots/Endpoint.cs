using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Snapshots;

public sealed class Endpoint(CatalogStore catalog) : DatasetEndpoint<Response>(catalog)
{
    public override void Configure() => DescribeRead(
        "/api/datasets/{name}/snapshots",
        "A dataset's snapshots, newest first",
        "Every retained version with the run that committed it, its operation, rows, files and bytes.");

    public override async Task HandleAsync(DatasetNameRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await FindDatasetAsync(workspace, req, ct) is null)
        {
            return;
        }

        var snapshots = await Catalog.Datasets.ListSnapshotsAsync(workspace, req.Name, ct);
        await Send.OkAsync(new Response([.. snapshots.Select(Snapshot.From)]), ct);
    }
}
