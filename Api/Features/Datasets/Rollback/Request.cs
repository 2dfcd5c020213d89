using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Datasets.Rollback;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The earlier snapshot version whose files become the dataset's next version. Required.</summary>
    public long? Version { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator() =>
            RuleFor(r => r.Version).NotNull().GreaterThan(0).WithMessage("version is required: the earlier snapshot version to roll back to (1 or more).");
    }
}
