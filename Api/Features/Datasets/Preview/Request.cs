using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Datasets.Preview;

public sealed class Request
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    /// <summary>The dataset (route).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Rows to return (default 100, at most 1000).</summary>
    [QueryParam]
    public int? Limit { get; set; }

    /// <summary>Read this snapshot version instead of the current one.</summary>
    [QueryParam]
    public long? Version { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, MaxLimit).When(r => r.Limit is not null)
                .WithMessage($"limit is between 1 and {MaxLimit}");
            RuleFor(r => r.Version).GreaterThanOrEqualTo(1).When(r => r.Version is not null)
                .WithMessage("a snapshot version is 1 or more");
        }
    }
}
