using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Runs.WhatIf;

public sealed class Request
{
    public Guid Id { get; set; }

    /// <summary>The rule to edit, as the summary names it (<c>iata.pattern</c>, a row rule's name, <c>unique_key</c>).</summary>
    public string Rule { get; set; } = string.Empty;

    /// <summary>
    /// The rule's new parameter as text: <c>true</c>/<c>false</c> for required and unique, a type
    /// name, a min or max bound, a pattern, a JSON array of strings for accepted_values and for
    /// unique_key's columns, a whole number for max_length, a SQL boolean expression for a row
    /// rule. Empty or missing removes the rule.
    /// </summary>
    public string? Definition { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Rule).NotEmpty().MaximumLength(200);
            RuleFor(r => r.Definition).MaximumLength(10_000);
        }
    }
}
