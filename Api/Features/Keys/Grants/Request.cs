using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Keys.Grants;

public sealed class Request
{
    /// <summary>The key's <c>id</c> (not its client id).</summary>
    public Guid Id { get; set; }

    /// <summary>The key's grants from now on (replacing the ones it had); empty takes every grant away.</summary>
    public IReadOnlyList<string>? Grants { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Grants).NotNull().WithMessage("Grants is required: the key's grants from now on (an empty list for none).");
            RuleForEach(r => r.Grants)
                .Must(Core.Auth.Grants.IsKnown)
                .WithMessage(r => $"Grants must be among {string.Join(", ", Core.Auth.Grants.All)}.");
        }
    }
}
