using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Runs.Rejects;

public sealed class Request
{
    public static readonly string[] Formats = ["json", "csv", "ndjson"];

    public Guid Id { get; set; }

    /// <summary>Cursor: only rejects after this id (the previous page's <c>nextAfterId</c>).</summary>
    [QueryParam]
    public long? AfterId { get; set; }

    /// <summary>Rejects per page (1 to 1000); downloads are never paged.</summary>
    [QueryParam]
    public int Limit { get; set; } = 100;

    /// <summary>
    /// <c>json</c> (a page), <c>csv</c> or <c>ndjson</c> (every reject, streamed). Overrides the
    /// <c>Accept</c> header, for links a browser can follow.
    /// </summary>
    [QueryParam]
    public string? Format { get; set; }

    /// <summary>Only the rejects that broke this rule (a name from <c>/rejects/summary</c>); JSON pages only.</summary>
    [QueryParam]
    public string? Rule { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, 1000);
            RuleFor(r => r.AfterId).GreaterThan(0);
            RuleFor(r => r.Format).Must(f => f is null || Formats.Contains(f))
                .WithMessage($"Format must be one of {string.Join(", ", Formats)}.");
            RuleFor(r => r.Rule).MaximumLength(200);
        }
    }
}
