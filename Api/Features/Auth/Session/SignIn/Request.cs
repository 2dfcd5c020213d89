using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Auth.Session.SignIn;

/// <summary>An API key, sent once as JSON by the sign-in form.</summary>
public sealed class Request
{
    /// <summary>The API key's client id (<c>admin</c> for the bootstrap admin).</summary>
    public string? ClientId { get; set; }

    /// <summary>The API key's secret.</summary>
    public string? ClientSecret { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            // The same bounds as /auth/token's fields.
            RuleFor(r => r.ClientId).NotEmpty().MaximumLength(128);
            RuleFor(r => r.ClientSecret).NotEmpty().MaximumLength(512);
        }
    }
}
