using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Workspaces.Create;

public sealed class Request
{
    /// <summary>Lowercase letters, digits, '_' and '-', starting with a letter; at most 63 characters.</summary>
    public string Name { get; set; } = string.Empty;

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            // Same rule as the workspaces.name check constraint, so the database never has to refuse.
            RuleFor(r => r.Name).NotEmpty().Matches("^[a-z][a-z0-9_-]{0,62}$")
                .WithMessage("Name must start with a lowercase letter and hold only a-z, 0-9, '_' and '-' (at most 63 characters).");
        }
    }
}
