namespace Ductus.Api.Auth.Oidc;

/// <summary>The URLs and the browser-binding cookie of the sign-in round trip.</summary>
public static class OidcReturnUrl
{
    /// <summary>
    /// Whether <paramref name="url"/> is a path on this site: one leading '/', then not a second
    /// '/' or '\' (browsers read both <c>//host</c> and <c>/\host</c> as another host), and no
    /// control characters (which browsers strip, turning <c>/\t/host</c> into <c>//host</c>).
    /// </summary>
    public static bool IsLocal(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Length > 0 && url[0] == '/'
            && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            && !url.Any(char.IsControl)
            && !url.Contains('\\', StringComparison.Ordinal);
    }

    /// <summary>The callback URL registered at the issuer: the configured one, else this request's origin.</summary>
    public static Uri Callback(HttpContext context, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Oidc.RedirectUri))
        {
            return new Uri(options.Oidc.RedirectUri);
        }

        var request = context.Request;
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{OidcOptions.CallbackPath}");
    }

    /// <summary>
    /// The cookie is sent only to the callback, lives as long as a sign-in may take, and is Lax
    /// because the issuer's redirect back is a cross-site navigation (a Strict cookie would stay home).
    /// </summary>
    public static CookieOptions BindingCookieOptions(HttpContext context, TimeSpan? lifetime)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new CookieOptions
        {
            Path = context.Request.PathBase + OidcOptions.CallbackPath,
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            IsEssential = true,
            MaxAge = lifetime,
        };
    }
}
