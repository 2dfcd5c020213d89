using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Lineage.Show;

public sealed class Request
{
    public const int MaxDepth = 10;

    public static readonly string[] Directions = ["up", "down", "both"];

    /// <summary>The dataset to start from.</summary>
    [QueryParam]
    public string Dataset { get; set; } = string.Empty;

    /// <summary><c>up</c> (what it is made from), <c>down</c> (what is made from it) or <c>both</c>.</summary>
    [QueryParam]
    public string Direction { get; set; } = "both";

    /// <summary>How many dataset-hops to walk (1 to 10).</summary>
    [QueryParam]
    public int Depth { get; set; } = 3;

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Dataset).NotEmpty().WithMessage("dataset is required: the dataset to start from");
            RuleFor(r => r.Direction).Must(d => Directions.Contains(d, StringComparer.Ordinal))
                .WithMessage($"direction must be one of {string.Join(", ", Directions)}");
            RuleFor(r => r.Depth).InclusiveBetween(1, MaxDepth).WithMessage($"depth must be between 1 and {MaxDepth} dataset-hops");
        }
    }
}
