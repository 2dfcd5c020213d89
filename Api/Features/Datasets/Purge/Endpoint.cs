using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Purge;

public sealed class Endpoint(CatalogStore catalog) : ArchiveEndpoint
{
    public override void Configure()
    {
        Post("/api/datasets/{name}/purge");
        DescribeArchive("dataset", PolicyNames.Admin, "Purge an archived dataset for good",
            "Admins only. Deletes the archived dataset's catalog entry and every snapshot; its lake files, then referenced by " +
                "nothing, go at the next retention pass. 409 when it is not archived: archive it first (DELETE).");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct) =>
        await AnswerAsync(await catalog.Datasets.PurgeAsync(User.WorkspaceId(), req.Name, Audit(AuditActions.DatasetPurged, req), ct), "dataset", ct);
}
