using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Delete;

public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : ArchiveEndpoint
{
    public override void Configure()
    {
        Delete("/api/pipelines/{name}");
        DescribeArchive("pipeline", PolicyNames.Engineer, "Archive a pipeline",
            "Archives the pipeline: it disappears from lists and lookups and its schedule stops, while its versions, watermark, " +
                "runs, rejects and dataset are kept. `POST /api/pipelines/{name}/restore` brings it back; an admin's `purge`, " +
                "or retention after `Ductus:Retention:ArchivedFor` (30 days by default), removes it for good.");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await AnswerArchiveAsync(await catalog.Pipelines.ArchiveAsync(workspace, req.Name, Audit(AuditActions.PipelineArchived, req), ct), "pipeline", ct))
        {
            await notifier.PipelineChangedAsync(workspace, req.Name);
        }
    }
}
