using Ductus.Api.Auth;
using FastEndpoints;

namespace Ductus.Api.Features.Keys.Revoke;

/// <summary>
/// Revokes a key: its next token exchange is refused. Tokens it already holds stay valid until
/// they expire (the configured token lifetime), which is why that lifetime is short.
/// </summary>
public sealed class Endpoint(ApiClientStore clients) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/api/keys/{id}");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Keys")
            .Produces(StatusCodes.Status204NoContent)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status409Conflict));
        Summary(s => s.Summary = "Revoke an API key");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        switch (await clients.RevokeAsync(User.WorkspaceId(), req.Id, User.Actor(), ct))
        {
            case RevokeOutcome.Revoked or RevokeOutcome.AlreadyRevoked:
                await Send.NoContentAsync(ct);
                break;
            case RevokeOutcome.NotFound:
                // Keys of other workspaces answer the same as keys that do not exist.
                AddError(r => r.Id, "No key with this id in your workspace.");
                await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
                break;
            case RevokeOutcome.BootstrapClient:
                AddError(r => r.Id, "The bootstrap admin follows the AppHost's admin-key parameter: change that parameter instead.");
                await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
                break;
        }
    }
}
