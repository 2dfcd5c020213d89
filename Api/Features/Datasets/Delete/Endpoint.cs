using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Delete;

public sealed class Endpoint(CatalogStore catalog) : ArchiveEndpoint
{
    public override void Configure()
    {
        Delete("/api/datasets/{name}");
        DescribeArchive("dataset", PolicyNames.Engineer, "Archive a dataset",
            "Archives the dataset: it disappears from lists, lookups and queries (a query naming it is answered as for an " +
                "unknown dataset), while its snapshots and lake files are kept. `POST /api/datasets/{name}/restore` brings it " +
                "back; an admin's `purge`, or retention after `Ductus:Retention:ArchivedFor`, removes it for good.");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct) =>
        await AnswerArchiveAsync(await catalog.Datasets.ArchiveAsync(User.WorkspaceId(), req.Name, Audit(AuditActions.DatasetArchived, req), ct), "dataset", ct);
}
