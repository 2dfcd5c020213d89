using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Audit.List;

public sealed class Request
{
    /// <summary>Rows per page, newest first.</summary>
    [QueryParam]
    public int Limit { get; set; } = 100;

    /// <summary>Cursor: only rows older than this id (the previous page's <c>nextBefore</c>).</summary>
    [QueryParam]
    public long? Before { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, 500);
            RuleFor(r => r.Before).GreaterThan(0);
        }
    }
}
