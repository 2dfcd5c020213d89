using Ductus.Core.Auth;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Keys.Create;

public sealed class Request
{
    /// <summary>What the key is for, shown in listings and audit rows.</summary>
    public string Name { get; set; } = string.Empty;

    public string? Description { get; set; }

    /// <summary>One or more of <c>admin</c>, <c>engineer</c>, <c>analyst</c>, <c>ingest</c>.</summary>
    public IReadOnlyList<string> Roles { get; set; } = [];

    /// <summary>Requests per rate-limit window for this key; the configured default when absent.</summary>
    public int? RateLimit { get; set; }

    /// <summary>What the key may see beyond its roles: <c>pii:read</c> reads personal data unmasked. None when absent.</summary>
    public IReadOnlyList<string> Grants { get; set; } = [];

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
            RuleFor(r => r.Description).MaximumLength(2000);
            RuleFor(r => r.Roles).NotEmpty().WithMessage("At least one role is required.");
            RuleForEach(r => r.Roles)
                .Must(Core.Auth.Roles.IsKnown)
                .WithMessage(r => $"Roles must be among {string.Join(", ", Core.Auth.Roles.All)}.");
            RuleFor(r => r.RateLimit).InclusiveBetween(1, 1_000_000);
            RuleForEach(r => r.Grants)
                .Must(Core.Auth.Grants.IsKnown)
                .WithMessage(r => $"Grants must be among {string.Join(", ", Core.Auth.Grants.All)}.");
        }
    }
}
