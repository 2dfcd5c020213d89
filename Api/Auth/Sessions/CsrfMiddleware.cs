using Ductus.Api.Protection;
using Microsoft.AspNetCore.Authentication;

namespace Ductus.Api.Auth.Sessions;

/// <summary>Endpoint metadata: an unsafe request here needs no anti-forgery token even with a session cookie.</summary>
public sealed class SkipsCsrfCheck;

/// <summary>
/// A browser attaches the session cookie to any request to this origin, whoever's page made it;
/// a custom header is something only our own page's script can add (another origin would need a
/// CORS preflight this API never grants). So every unsafe request the cookie authenticated must
/// carry <see cref="SessionCookie.CsrfHeader"/> equal to the session's token. Bearer requests
/// carry their credential explicitly and are not affected; safe methods change nothing.
/// </summary>
public sealed class CsrfMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method)
            || context.User.Identity?.AuthenticationType != SessionAuthenticationHandler.SchemeName
            || context.GetEndpoint()?.Metadata.GetMetadata<SkipsCsrfCheck>() is not null)
        {
            await next(context);
            return;
        }

        // Answered from the handler's per-request result: no second catalog read.
        var session = SessionAuthenticationHandler.SessionOf(await context.AuthenticateAsync(SessionAuthenticationHandler.SchemeName));
        if (session is null || !Carries(context, session))
        {
            await RefuseAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>Whether the request's <see cref="SessionCookie.CsrfHeader"/> is <paramref name="session"/>'s token.</summary>
    public static bool Carries(HttpContext context, BrowserSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        var presented = context.Request.Headers[SessionCookie.CsrfHeader];
        return presented.Count == 1 && SessionStore.CsrfMatches(session, presented[0]);
    }

    public static Task RefuseAsync(HttpContext context) =>
        Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
            $"Missing or invalid {SessionCookie.CsrfHeader} header: a request authenticated by the session cookie that changes "
            + $"something must send the session's csrfToken (from POST or GET /auth/session) in {SessionCookie.CsrfHeader}.");
}
