using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Restore;

public sealed class Endpoint(CatalogStore catalog) : ArchiveEndpoint
{
    public override void Configure()
    {
        Post("/api/datasets/{name}/restore");
        DescribeArchive("dataset", PolicyNames.Engineer, "Restore an archived dataset",
            "Brings the dataset back with every snapshot it had, at the version it was archived at. 409 when it is not archived.");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct) =>
        await AnswerAsync(await catalog.Datasets.RestoreAsync(User.WorkspaceId(), req.Name, Audit(AuditActions.DatasetRestored, req), ct), "dataset", ct);
}
