namespace Ductus.Api.Auth.Sessions;

/// <summary>
/// The browser's session cookie. HttpOnly so page scripts (and so injected ones) cannot read it;
/// SameSite=Strict so no other site's page can make the browser send it; Secure whenever the
/// request came over HTTPS. Behind a TLS-terminating proxy, forward the scheme so Secure is set.
/// </summary>
public static class SessionCookie
{
    public const string Name = "ductus_session";

    /// <summary>The header that must echo the session's anti-forgery token on unsafe requests.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public static void Append(HttpContext context, OpenedSession opened)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(opened);
        var cookie = Options(context);
        // The browser forgets the cookie when the server would refuse it anyway.
        cookie.Expires = opened.Session.ExpiresAt;
        context.Response.Cookies.Append(Name, opened.CookieValue, cookie);
    }

    public static void Clear(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(Name, Options(context));
    }

    private static CookieOptions Options(HttpContext context) => new()
    {
        Path = "/",
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        IsEssential = true,
    };
}
