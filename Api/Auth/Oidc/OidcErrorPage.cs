using System.Net;
using Ductus.Api.Protection;

namespace Ductus.Api.Auth.Oidc;

/// <summary>
/// A failed browser sign-in. The browser reached the callback by a redirect, so a person reads
/// the answer: an HTML page with the reason and a way back when it asks for HTML, the usual
/// problem detail for anything else (scripts, tests).
/// </summary>
public static class OidcErrorPage
{
    public static readonly OidcFailure NotConfigured = new(StatusCodes.Status404NotFound, "OpenID Connect sign-in is not configured",
        $"This Api has no external issuer to sign in with ({AuthOptions.Section}:Authority and {OidcOptions.Section}:ClientId); sign in at POST /auth/session.");

    public static async Task WriteAsync(HttpContext context, OidcFailure failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(failure);
        var accept = context.Request.Headers.Accept.ToString();
        if (!accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            await Problems.WriteAsync(context, failure.Status, failure.Title, failure.Detail);
            return;
        }

        context.Response.StatusCode = failure.Status;
        context.Response.ContentType = "text/html; charset=utf-8";
        // The page carries no script and loads nothing; the detail may quote the issuer's words, so everything is encoded.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        await context.Response.WriteAsync($$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(failure.Title)}} · Ductus</title>
            <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head>
            <body>
            <h1>{{WebUtility.HtmlEncode(failure.Title)}}</h1>
            <p role="alert">{{WebUtility.HtmlEncode(failure.Detail)}}</p>
            <p><a href="{{WebUtility.HtmlEncode(context.Request.PathBase + "/login")}}">Back to sign-in</a></p>
            </body>
            </html>
            """, context.RequestAborted);
    }
}
