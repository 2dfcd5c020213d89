using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Purge;

public sealed class Endpoint(CatalogStore catalog) : ArchiveEndpoint
{
    public override void Configure()
    {
        Post("/api/pipelines/{name}/purge");
        DescribeArchive("pipeline", PolicyNames.Admin, "Purge an archived pipeline for good",
            "Admins only. Deletes the archived pipeline with its versions, watermark, runs and rejects; its dataset stays. " +
                "409 when it is not archived: archive it first (DELETE).");
    }

    public override async Task HandleAsync(ArchiveRequest req, CancellationToken ct) =>
        await AnswerAsync(await catalog.Pipelines.PurgeAsync(User.WorkspaceId(), req.Name, Audit(AuditActions.PipelinePurged, req), ct), "pipeline", ct);
}
