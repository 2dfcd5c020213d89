using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Auth.Oidc.Callback;

/// <summary>What the issuer appends to the redirect back (RFC 6749 4.1.2): a code and the state, or an error.</summary>
public sealed class Request
{
    [QueryParam]
    public string? Code { get; set; }

    [QueryParam]
    public string? State { get; set; }

    [QueryParam]
    public string? Error { get; set; }

    [QueryParam]
    [BindFrom("error_description")]
    public string? ErrorDescription { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.State).NotEmpty().MaximumLength(128);
            RuleFor(r => r.Code).MaximumLength(4096);
            RuleFor(r => r.Error).MaximumLength(128);
            RuleFor(r => r.ErrorDescription).MaximumLength(1024);
        }
    }
}
