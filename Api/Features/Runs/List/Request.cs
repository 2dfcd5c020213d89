using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Runs.List;

public sealed class Request
{
    public static readonly string[] Statuses = ["queued", "running", "succeeded", "failed", "cancelled"];

    /// <summary>Only runs of this pipeline.</summary>
    [QueryParam]
    public string? Pipeline { get; set; }

    /// <summary>Only runs in this status: queued, running, succeeded, failed or cancelled.</summary>
    [QueryParam]
    public string? Status { get; set; }

    /// <summary>Only runs loading this dataset.</summary>
    [QueryParam]
    public string? Dataset { get; set; }

    /// <summary>Runs per page, newest first (1 to 500).</summary>
    [QueryParam]
    public int Limit { get; set; } = 50;

    /// <summary>The previous page's <c>nextCursor</c>.</summary>
    [QueryParam]
    public string? Cursor { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, 500);
            RuleFor(r => r.Status).Must(s => s is null || Statuses.Contains(s))
                .WithMessage($"Status must be one of {string.Join(", ", Statuses)}.");
            RuleFor(r => r.Cursor).MaximumLength(100);
        }
    }
}
