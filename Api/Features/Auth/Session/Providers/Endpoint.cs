using Ductus.Api.Auth;
using Ductus.Api.Auth.Oidc;
using FastEndpoints;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Features.Auth.Session.Providers;

/// <summary>The sign-in methods this Api accepts, so the sign-in page shows a button only for those.</summary>
public sealed class Endpoint(IOptions<AuthOptions> options) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/auth/session/providers");
        // Anonymous because the sign-in page asks before anyone is signed in; it tells only
        // what the page shows anyway (the issuer's name), never a client id or secret.
        AllowAnonymous();
        // The only refusal: the per-address rate limit every /auth route has.
        Description(d => d.WithTags("Auth").ProducesProblemDetails(StatusCodes.Status429TooManyRequests));
        Summary(s => s.Summary = "How a browser may sign in: API key and/or the external OpenID Connect issuer");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var oidc = settings.UsesOidcSignIn ? new OidcProvider(Resolve<OidcSignIn>().DisplayName, OidcOptions.LoginPath) : null;
        await Send.OkAsync(new Response(!settings.UsesExternalAuthority, oidc), ct);
    }
}
