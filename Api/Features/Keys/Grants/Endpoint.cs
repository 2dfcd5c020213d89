using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Keys.Grants;

/// <summary>
/// Sets what a key may see beyond its roles (<c>pii:read</c>). The change and its audit row
/// commit together. Tokens the key already holds keep their grants until they expire; its
/// browser sessions read the key at each request, so they change at once.
/// </summary>
public sealed class Endpoint(ApiClientStore clients) : Endpoint<Request, ApiClient>
{
    public override void Configure()
    {
        Put("/api/keys/{id}/grants");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Keys")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Set an API key's grants";
            s.Description = "Replaces the key's grants (`pii:read` reads personal data unmasked; `[]` takes it away). " +
                "A change writes a `grant.changed` audit row with the grants before and after. Tokens already issued keep theirs until they expire.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var changed = await clients.SetGrantsAsync(User.WorkspaceId(), req.Id, req.Grants ?? [], HttpContext.Audit(AuditActions.GrantChanged, req.Id.ToString()), ct);
        if (changed is null)
        {
            // Keys of other workspaces answer the same as keys that do not exist.
            AddError(r => r.Id, "No key with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        await Send.OkAsync(changed, ct);
    }
}
