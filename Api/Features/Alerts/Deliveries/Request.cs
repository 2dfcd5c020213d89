using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Alerts.Deliveries;

public sealed class Request : KeysetPageRequest
{
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
            Include(new Rules());
        }
    }
}
