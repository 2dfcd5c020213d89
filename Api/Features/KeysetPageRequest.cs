using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features;

/// <summary>
/// A request for one page of a log read newest first and keyed on its growing id. An id cursor,
/// unlike an offset, neither skips nor repeats rows while new ones are written between pages.
/// </summary>
public abstract class KeysetPageRequest
{
    /// <summary>Rows per page, newest first.</summary>
    [QueryParam]
    public int Limit { get; set; } = 100;

    /// <summary>Cursor: only rows older than this id (the previous page's <c>nextBefore</c>).</summary>
    [QueryParam]
    public long? Before { get; set; }

    /// <summary>
    /// Cuts <paramref name="rows"/>, read with <see cref="Limit"/> + 1 as the SQL limit, to the page,
    /// and returns the cursor of the next page: the extra row tells whether one exists.
    /// </summary>
    public long? TrimToPage<T>(List<T> rows, Func<T, long> id)
    {
        if (rows.Count <= Limit)
        {
            return null;
        }

        rows.RemoveRange(Limit, rows.Count - Limit);
        return id(rows[^1]);
    }

    /// <summary>The paging rules; a request's own validator includes them.</summary>
    public sealed class Rules : AbstractValidator<KeysetPageRequest>
    {
        public Rules()
        {
            RuleFor(r => r.Limit).InclusiveBetween(1, 500);
            RuleFor(r => r.Before).GreaterThan(0);
        }
    }
}
