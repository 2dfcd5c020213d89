using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Alerts.Deliveries;

public sealed class Request
{
    /// <summary>Attempts per page, newest first.</summary>
    [QueryParam]
    public int Limit { get; set; } = 100;

    /// <summary>Cursor: only attempts older than this id (the previous page's <c>nextBefore</c>).</summary>
    [QueryParam]
    public long? Before { get; set; }

    /// <summary>Only the attempts of this alert (the <c>X-Ductus-Alert-Id</c> a receiver got).</summary>
    [QueryParam]
    public Guid? AlertId { get; set; }

    /// <summary>Only failed attempts (<c>true</c>) or only delivered ones (<c>false</c>).</summary>
    [QueryParam]
    public bool? Failed { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, 500);
            RuleFor(r => r.Before).GreaterThan(0);
        }
    }
}
