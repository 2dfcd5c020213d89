using Ductus.Core.Specs;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Datasets.List;

public sealed class Request
{
    /// <summary>
    /// Search words: matched (each as a prefix) in names, owners, tags, descriptions, column names
    /// and column descriptions with PostgreSQL full-text search; the list is then ranked by
    /// relevance. Quotes make a phrase, <c>-word</c> excludes, <c>or</c> allows either.
    /// </summary>
    [QueryParam]
    public string? Q { get; set; }

    /// <summary>Only datasets with this tag (their pipeline spec's <c>tags</c>).</summary>
    [QueryParam]
    public string? Tag { get; set; }

    /// <summary>Only datasets of this owner (their pipeline spec's <c>owner</c>; case-insensitive, the whole value).</summary>
    [QueryParam]
    public string? Owner { get; set; }

    public sealed class Validator : Validator<Request>
    {
        /// <summary>Longer than any real search; a bound on the work one request asks of the database.</summary>
        public const int MaxQueryLength = 200;

        public Validator()
        {
            RuleFor(r => r.Q).MaximumLength(MaxQueryLength);
            RuleFor(r => r.Tag)
                .Must(t => t is null || (t.Length is > 0 and <= 50 && t.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.' or ':')))
                .WithMessage(r => $"'{r.Tag}' is not a tag: tags are 1-50 characters of a-z, 0-9, '_', '-', '.' or ':'.");
            RuleFor(r => r.Owner).NotEmpty().When(r => r.Owner is not null).MaximumLength(SpecCatalogRules.MaxOwnerLength);
        }
    }
}
