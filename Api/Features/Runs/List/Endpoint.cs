using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Runs.List;

public sealed class Endpoint(CatalogStore catalog, PiiAccess pii) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/runs");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "List runs, newest first";
            s.Description = "Filtered by pipeline, status and dataset; paged with the opaque `cursor` from the previous page's `nextCursor`.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var status = req.Status is null ? (RunStatus?)null : Enum.Parse<RunStatus>(req.Status, ignoreCase: true);
        RunPage page;
        try
        {
            page = await catalog.Runs.ListAsync(User.WorkspaceId(), new RunFilter(req.Pipeline, status, req.Dataset), req.Cursor, req.Limit, ct);
        }
        catch (ArgumentException) when (req.Cursor is not null)
        {
            AddError(r => r.Cursor!, "is not a cursor this service returned; start again without one.");
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        var view = await pii.RunViewAsync(User, ct);
        await Send.OkAsync(new Response([.. page.Items.Select(r => view(Run.From(r)))], page.NextCursor), ct);
    }
}
