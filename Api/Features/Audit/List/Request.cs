using Ductus.Core.Catalog;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Audit.List;

public sealed class Request : KeysetPageRequest
{
    /// <summary>Only this action, e.g. <c>pipeline.archived</c> (docs/governance.md lists them).</summary>
    [QueryParam]
    public string? Action { get; set; }

    /// <summary>Only changes by this actor: a client id, <c>schedule</c>, <c>system:retention</c> or <c>folder:&lt;file&gt;</c>.</summary>
    [QueryParam]
    public string? Actor { get; set; }

    /// <summary>Only changes to this pipeline, dataset, key or workspace.</summary>
    [QueryParam]
    public string? Target { get; set; }

    /// <summary>Only rows at or after this time (ISO 8601).</summary>
    [QueryParam]
    public DateTimeOffset? From { get; set; }

    /// <summary>Only rows before this time (ISO 8601).</summary>
    [QueryParam]
    public DateTimeOffset? To { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            Include(new Rules());
            RuleFor(r => r.Action)
                .Must(a => a is null || AuditActions.All.Contains(a))
                .WithMessage(r => $"'{r.Action}' is not an audit action; one of: {string.Join(", ", AuditActions.All)}.");
            RuleFor(r => r.Actor).MaximumLength(200);
            RuleFor(r => r.Target).MaximumLength(200);
            RuleFor(r => r.To)
                .GreaterThan(r => r.From)
                .When(r => r.From is not null && r.To is not null)
                .WithMessage("to must be later than from.");
        }
    }
}
