using System.Globalization;
using Ductus.Api.Auth;
using Ductus.Api.Auth.Sessions;
using Ductus.Api.Protection;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Auth.Session.SignIn;

/// <summary>
/// Signs a browser in: the API key is checked like at <c>/auth/token</c> (same throttle, same
/// single refusal) and the answer is an HttpOnly session cookie instead of a token the page's
/// scripts would have to keep.
/// </summary>
public sealed class Endpoint(ClientAuthenticator clients, SessionStore sessions, IOptions<AuthOptions> options)
    : Endpoint<Request, SessionResponse>
{
    public override void Configure()
    {
        Post("/auth/session");
        // Anonymous because this is where a browser gets its credential. No anti-forgery token
        // either: a sign-in acts on the secret it carries, never on a cookie it may bring along.
        AllowAnonymous();
        Options(b => b.WithMetadata(new SkipsCsrfCheck()));
        Description(d => d
            .WithTags("Auth")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status401Unauthorized)
            .ProducesProblemDetails(StatusCodes.Status429TooManyRequests));
        Summary(s =>
        {
            s.Summary = "Sign a browser in with an API key (session cookie)";
            s.Description = "JSON `clientId`, `clientSecret`. Sets the HttpOnly, SameSite=Strict cookie `ductus_session` and answers "
                + "the session with its `csrfToken`, which unsafe requests authenticated by the cookie send in `X-CSRF-Token`.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        HttpContext.Response.Headers.CacheControl = "no-store";
        var settings = options.Value;
        if (settings.UsesExternalAuthority)
        {
            await Problems.WriteAsync(HttpContext, StatusCodes.Status400BadRequest, "Sign-in goes through the identity provider",
                $"API keys do not sign in here while an external authority is configured: sign in at {settings.Authority}.");
            return;
        }

        var (client, retryAfter) = await clients.AuthenticateAsync(req.ClientId!, req.ClientSecret!, HttpContext.Connection.RemoteIpAddress, ct);
        if (retryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problems.WriteAsync(HttpContext, StatusCodes.Status429TooManyRequests, "Too many sign-in attempts",
                $"Too many sign-in attempts for this client or from this address; try again in {seconds} s.");
            return;
        }

        if (client is null)
        {
            // One answer for unknown, revoked and wrong-secret keys alike.
            await Problems.WriteAsync(HttpContext, StatusCodes.Status401Unauthorized, "Sign-in failed",
                "Client authentication failed: check the client id and secret.");
            return;
        }

        var opened = await sessions.OpenAsync(client, ct);
        SessionCookie.Append(HttpContext, opened);
        await Send.OkAsync(SessionResponse.Of(opened.Session), ct);
    }
}
