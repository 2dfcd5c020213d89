using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Restore;

public sealed class Endpoint(CatalogStore catalog, RunNotifier notifier) : ArchiveEndpoint
{
    public override void Configure()
    {
        Post("/api/pipelines/{name}/restore");
        DescribeArchive("pipeline", PolicyNames.Engineer, "Restore an archived pipeline",
            "Brings the pipeline back at the version it was archived at, with its runs and history; its schedule resumes. " +
                "409 when it is not archived.");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        if (await AnswerAsync(await catalog.Pipelines.RestoreAsync(workspace, req.Name, Audit(AuditActions.PipelineRestored, req), ct), "pipeline", ct))
        {
            await notifier.PipelineChangedAsync(workspace, req.Name);
        }
    }
}
