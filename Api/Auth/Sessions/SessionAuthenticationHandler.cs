using System.Security.Claims;
using System.Text.Encodings.Web;
using Ductus.Api.Protection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Auth.Sessions;

/// <summary>
/// Authenticates a request by its <see cref="SessionCookie.Name"/> cookie: the principal carries
/// the same claims as a bearer token of the session's key, so every role policy holds unchanged.
/// One catalog read per request; no cache, so a sign-out or a revoked key counts at the next
/// request on every replica.
/// </summary>
public sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionStore sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DuctusSession";

    private const string SessionParameter = "ductus.session";

    /// <summary>The session behind <paramref name="result"/>, when it came from this handler.</summary>
    public static BrowserSession? SessionOf(AuthenticateResult result) =>
        result?.Properties?.GetParameter<BrowserSession>(SessionParameter);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(SessionCookie.Name, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return AuthenticateResult.NoResult();
        }

        var session = await sessions.FindAsync(cookie, Context.RequestAborted);
        if (session is null)
        {
            return AuthenticateResult.Fail("The session has expired, was signed out, or its key was revoked.");
        }

        var identity = new ClaimsIdentity(DuctusClaims.Of(session.Client), SchemeName, DuctusClaims.Subject, DuctusClaims.Role);
        var properties = new AuthenticationProperties { ExpiresUtc = session.ExpiresAt };
        properties.SetParameter(SessionParameter, session);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), properties, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
        if (failed)
        {
            // The browser should stop sending a cookie that no replica will accept.
            SessionCookie.Clear(Context);
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", failed
            ? "The session has expired, was signed out, or its key was revoked: sign in again at POST /auth/session."
            : "A bearer token or a session is required: get a token at POST /auth/token, or sign in at POST /auth/session.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", AuthSetup.ForbiddenDetail);
}
