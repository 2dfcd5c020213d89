using Ductus.Api.Protection;
using Microsoft.Extensions.FileProviders;

namespace Ductus.Api.Web;

/// <summary>
/// The web UI (the single-page app in <c>web/</c>, built by MSBuild into the Api's output folder
/// <c>web/</c>) served from the Api's own origin, so the session cookie and the CSRF header need
/// no cross-origin setup. The app's files are public: they hold no data, every call they make
/// goes through the same policies as any other client's.
/// </summary>
public static class WebAppSetup
{
    /// <summary>Path prefixes that belong to the Api: an unknown path under them stays a 401/404, never the app.</summary>
    private const string ApiPrefixes = "api|auth|internal|openapi|docs|health|alive|_";

    /// <summary>
    /// Any other path without a file extension is a route of the app (<c>/runs/…</c>,
    /// <c>/datasets/…</c>): it gets <c>index.html</c>, and the app's router takes it from there.
    /// </summary>
    public const string AppRoutePattern = "{*path:regex(^(?!(" + ApiPrefixes + ")(/|$)).*$):nonfile}";

    /// <summary>The routes that answer the app's shell to anyone (the shell holds no data).</summary>
    public static IReadOnlyList<string> ShellRoutes { get; } = ["/", AppRoutePattern];

    /// <summary>
    /// What the app may load: only its own scripts and the Api. Styles are inline-capable because
    /// the editor (CodeMirror) and the charts set element styles at run time.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Where the build put the app (Api.csproj copies <c>web/dist</c> here).</summary>
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "web");

    /// <summary>
    /// The app's hashed assets, served ahead of authentication (call before the security
    /// middleware): a file that does not exist falls through to the Api as before.
    /// </summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var root = Root;
        if (Directory.Exists(root))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(root),
                OnPrepareResponse = context =>
                {
                    var headers = context.Context.Response.Headers;
                    headers.XContentTypeOptions = "nosniff";
                    // Vite names every asset by its content hash: a changed file is a new URL.
                    headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                        ? "public, max-age=31536000, immutable"
                        : "no-cache";
                },
            });
        }

        // "/" on its own: a catch-all's regex constraint never matches an absent value.
        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], context => ServeIndexAsync(context, root))
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.MapFallback(AppRoutePattern, context => ServeIndexAsync(context, root))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static async Task ServeIndexAsync(HttpContext context, string root)
    {
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The web UI is not built",
                "The Api was built without its web UI (web/): install Node.js 20.19 or later and npm, then build the Api again "
                + "(dotnet build runs npm ci and npm run build in web/). The API itself works: see /docs.");
            return;
        }

        var headers = context.Response.Headers;
        // The shell must be fetched fresh so a new deployment's asset names are picked up at once.
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.SendFileAsync(index, context.RequestAborted);
    }
}
