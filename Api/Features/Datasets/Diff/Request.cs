using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Datasets.Diff;

public sealed class Request
{
    /// <summary>The dataset (route).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The snapshot version to compare from.</summary>
    [QueryParam]
    public long? From { get; set; }

    /// <summary>The snapshot version to compare to.</summary>
    [QueryParam]
    public long? To { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.From).NotNull().WithMessage("from is required: the snapshot version to compare from");
            RuleFor(r => r.To).NotNull().WithMessage("to is required: the snapshot version to compare to");
            RuleFor(r => r.From).GreaterThanOrEqualTo(1).When(r => r.From is not null).WithMessage("a snapshot version is 1 or more");
            RuleFor(r => r.To).GreaterThanOrEqualTo(1).When(r => r.To is not null).WithMessage("a snapshot version is 1 or more");
        }
    }
}
