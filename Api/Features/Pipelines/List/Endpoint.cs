using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.List;

public sealed class Endpoint(CatalogStore catalog) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/pipelines");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Pipelines").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "List the pipelines of the caller's workspace";
            s.Description = "Each pipeline at its current version, by name, with its next scheduled run.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var pipelines = await catalog.Pipelines.ListAsync(workspace, ct);
        var triggers = (await catalog.Pipelines.ListScheduledTriggersAsync(workspace, ct)).ToDictionary(t => t.Pipeline, StringComparer.Ordinal);
        var now = catalog.Time.GetUtcNow();
        await Send.OkAsync(new Response([.. pipelines.Select(p => Pipeline.From(p, triggers.GetValueOrDefault(p.Name), now))]), ct);
    }
}
