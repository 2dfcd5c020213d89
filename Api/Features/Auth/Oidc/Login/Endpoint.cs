using Ductus.Api.Auth;
using Ductus.Api.Auth.Oidc;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Auth.Oidc.Login;

/// <summary>
/// Starts a browser sign-in at the external issuer: a 302 to its authorization endpoint with a
/// one-use state, a nonce and a PKCE challenge (S256), all kept by the Api.
/// </summary>
public sealed class Endpoint(IOptions<AuthOptions> options) : Endpoint<Request>
{
    public override void Configure()
    {
        Get(OidcOptions.LoginPath);
        // Anonymous because this is how a browser without a session gets one; it only redirects.
        AllowAnonymous();
        Description(d => d
            .WithTags("Auth")
            .Produces(StatusCodes.Status302Found)
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status502BadGateway));
        Summary(s =>
        {
            s.Summary = "Sign a browser in through the external OpenID Connect issuer";
            s.Description = "Redirects to the issuer (authorization code + PKCE). After the user signs in there, the issuer sends the browser "
                + "to `GET /auth/oidc/callback`, which sets the session cookie and redirects to `returnUrl`. 404 when no issuer is configured.";
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

        var signIn = Resolve<OidcSignIn>();
        var challenge = await signIn.BeginAsync(string.IsNullOrEmpty(req.ReturnUrl) ? "/" : req.ReturnUrl, OidcReturnUrl.Callback(HttpContext, options.Value), ct);
        if (challenge is null)
        {
            await OidcErrorPage.WriteAsync(HttpContext, new OidcFailure(StatusCodes.Status502BadGateway, "Identity provider unavailable",
                $"{signIn.DisplayName}'s configuration could not be read; try again later."));
            return;
        }

        HttpContext.Response.Cookies.Append(OidcSignIn.BindingCookie, challenge.Binding, OidcReturnUrl.BindingCookieOptions(HttpContext, options.Value.Oidc.LoginTimeout));
        await Send.RedirectAsync(challenge.AuthorizationUrl.AbsoluteUri, isPermanent: false, allowRemoteRedirects: true);
    }
}
