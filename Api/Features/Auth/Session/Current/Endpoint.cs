using Ductus.Api.Auth.Sessions;
using Ductus.Api.Protection;
using FastEndpoints;
using Microsoft.AspNetCore.Authentication;

namespace Ductus.Api.Features.Auth.Session.Current;

/// <summary>The session the cookie holds: how the page learns, on load, who is signed in and its anti-forgery token.</summary>
public sealed class Endpoint : EndpointWithoutRequest<SessionResponse>
{
    public override void Configure()
    {
        Get("/auth/session");
        // Anonymous because it answers for any role, and a 401 here is the page's "not signed
        // in", not a refusal. It reads the cookie only, whatever Authorization header comes along.
        AllowAnonymous();
        Description(d => d
            .WithTags("Auth")
            .ProducesProblemDetails(StatusCodes.Status401Unauthorized));
        Summary(s => s.Summary = "The browser session the cookie holds");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        HttpContext.Response.Headers.CacheControl = "no-store";
        var session = SessionAuthenticationHandler.SessionOf(await HttpContext.AuthenticateAsync(SessionAuthenticationHandler.SchemeName));
        if (session is null)
        {
            await HttpContext.ChallengeAsync(SessionAuthenticationHandler.SchemeName);
            return;
        }

        await Send.OkAsync(SessionResponse.Of(session), ct);
    }
}
