using Ductus.Api.Auth.Oidc;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Auth.Oidc.Login;

public sealed class Request
{
    /// <summary>Where to land after signing in: a path on this site (<c>/datasets</c>); <c>/</c> when absent.</summary>
    [QueryParam]
    public string? ReturnUrl { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            // A sign-in link must not become a way to send users to another site after they signed in.
            RuleFor(r => r.ReturnUrl)
                .MaximumLength(2048)
                .Must(url => url is null || OidcReturnUrl.IsLocal(url))
                .WithMessage("returnUrl must be a path on this site starting with a single '/', not an absolute or protocol-relative URL.");
        }
    }
}
