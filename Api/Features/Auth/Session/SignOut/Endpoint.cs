using Ductus.Api.Auth.Sessions;
using FastEndpoints;
using Microsoft.AspNetCore.Authentication;

namespace Ductus.Api.Features.Auth.Session.SignOut;

/// <summary>
/// Signs the browser out: the session row goes, so the cookie is refused on every replica from
/// now on, even if someone kept a copy of it.
/// </summary>
public sealed class Endpoint(SessionStore sessions) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Delete("/auth/session");
        // Anonymous so that signing out always works and always clears the cookie, whatever role
        // the key has and even when the session already ended. A live session's cookie must
        // still bring X-CSRF-Token, so no other site can sign the user out; checked here too
        // because CsrfMiddleware does not look at the cookie when a bearer token came along.
        AllowAnonymous();
        Description(d => d
            .WithTags("Auth")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblemDetails(StatusCodes.Status403Forbidden));
        Summary(s => s.Summary = "Sign the browser out (ends the session on every replica)");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        if (SessionAuthenticationHandler.SessionOf(await HttpContext.AuthenticateAsync(SessionAuthenticationHandler.SchemeName)) is { } session)
        {
            if (!CsrfMiddleware.Carries(HttpContext, session))
            {
                await CsrfMiddleware.RefuseAsync(HttpContext);
                return;
            }

            await sessions.EndAsync(session, ct);
        }

        SessionCookie.Clear(HttpContext);
        await Send.NoContentAsync(ct);
    }
}
