using Ductus.Api.Auth;
using Ductus.Api.Auth.Oidc;
using Ductus.Api.Auth.Sessions;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Auth.Oidc.Callback;

/// <summary>
/// Where the issuer sends the browser back: the code is exchanged with the PKCE verifier, the
/// ID token validated, and the user gets the same session cookie an API-key sign-in sets.
/// </summary>
public sealed class Endpoint(SessionStore sessions, IOptions<AuthOptions> options) : Endpoint<Request>
{
    public override void Configure()
    {
        Get(OidcOptions.CallbackPath);
        // Anonymous because the browser arrives here without a session; the one-use state, the
        // browser-binding cookie and the issuer's signed ID token are what authenticate it.
        AllowAnonymous();
        Description(d => d
            .WithTags("Auth")
            .Produces(StatusCodes.Status302Found)
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status401Unauthorized)
            .ProducesProblemDetails(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status502BadGateway));
        Summary(s =>
        {
            s.Summary = "The external issuer's redirect back after sign-in (sets the session cookie)";
            s.Description = "Called by the browser on the issuer's redirect, never directly. Errors are an HTML page for a browser "
                + "(Accept: text/html) and a problem detail otherwise.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        HttpContext.Response.Headers.CacheControl = "no-store";
        if (!options.Value.UsesOidcSignIn)
        {
            await OidcErrorPage.WriteAsync(HttpContext, OidcErrorPage.NotConfigured);
            return;
        }

        var binding = HttpContext.Request.Cookies[OidcSignIn.BindingCookie];
        // One sign-in per binding: whatever happens next, this browser starts afresh.
        HttpContext.Response.Cookies.Delete(OidcSignIn.BindingCookie, OidcReturnUrl.BindingCookieOptions(HttpContext, null));

        var (success, failure) = await Resolve<OidcSignIn>().CompleteAsync(req.State, req.Code, req.Error, req.ErrorDescription, binding, ct);
        if (failure is not null)
        {
            await OidcErrorPage.WriteAsync(HttpContext, failure);
            return;
        }

        var opened = await sessions.OpenAsync(success!.User, ct);
        if (opened is null)
        {
            await OidcErrorPage.WriteAsync(HttpContext, new OidcFailure(StatusCodes.Status403Forbidden, "No Ductus workspace",
                $"'{success.User.Subject}' was signed in for workspace {success.User.WorkspaceId}, which does not exist here. "
                + "Ask an administrator to correct the workspace claim at the identity provider."));
            return;
        }

        SessionCookie.Append(HttpContext, opened);
        await Send.RedirectAsync(success.ReturnUrl, isPermanent: false, allowRemoteRedirects: false);
    }
}
