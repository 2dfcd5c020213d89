using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Lineage.Columns;

public sealed class Request
{
    public const int MaxDepth = 10;

    /// <summary>The dataset whose columns to trace.</summary>
    [QueryParam]
    public string Dataset { get; set; } = string.Empty;

    /// <summary>How many hops up to follow (1 to 10): 1 answers the dataset's own columns only.</summary>
    [QueryParam]
    public int Depth { get; set; } = 1;

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Dataset).NotEmpty().WithMessage("dataset is required: the dataset whose columns to trace");
            RuleFor(r => r.Depth).InclusiveBetween(1, MaxDepth).WithMessage($"depth must be between 1 and {MaxDepth} hops");
        }
    }
}
