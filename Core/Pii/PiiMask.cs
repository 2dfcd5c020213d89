using Ductus.Core.Quoting;

namespace Ductus.Core.Pii;

/// <summary>How a masked column reads for a caller without <c>pii:read</c>.</summary>
public enum PiiMaskKind
{
    /// <summary>SHA-256 of the workspace's salt and the value as text: equal values stay equal, so joins and distinct counts still work.</summary>
    Hash,

    /// <summary>A hint of the value (an email's first letter and domain, a phone's last four digits, a name's initial).</summary>
    Partial,

    /// <summary>Always NULL (of the column's own type).</summary>
    Null,

    /// <summary>The spec's own SQL expression over the dataset's columns.</summary>
    Expression,
}

/// <summary>
/// One column of one dataset as personal data: its class and its mask. This is what the Api sends
/// the analytics worker for each dataset a statement reads (<see cref="Contracts.InternalQueryRequest.Masks"/>),
/// and what the worker turns into its dataset view's projection (<see cref="PiiMasks.Projection"/>).
/// </summary>
/// <param name="Mask"><c>hash</c>, <c>partial</c>, <c>null</c> or a SQL expression, as the spec writes it.</param>
public sealed record PiiColumn(string Column, string Classification, string Mask)
{
    public PiiMaskKind Kind => PiiMasks.KindOf(Mask);
}

/// <summary>The SQL of each mask, as the sandbox's dataset view applies it.</summary>
public static class PiiMasks
{
    public const string Hash = "hash";
    public const string Partial = "partial";
    public const string Null = "null";

    /// <summary>The mask a PII column gets when its spec names none.</summary>
    public const string Default = Hash;

    public static PiiMaskKind KindOf(string mask) => mask switch
    {
        Hash => PiiMaskKind.Hash,
        Partial => PiiMaskKind.Partial,
        Null => PiiMaskKind.Null,
        _ => PiiMaskKind.Expression,
    };

    /// <summary>
    /// <c>* REPLACE (…)</c> list of a view that masks <paramref name="columns"/> (those the
    /// dataset has), or null when none applies. The salt is spliced in as a literal: the view's
    /// text is out of the caller's reach (the guard refuses <c>duckdb_views()</c> and friends).
    /// </summary>
    public static string? Projection(IReadOnlyList<PiiColumn> columns, IReadOnlyCollection<string> present, string salt)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(present);
        var replaced = columns
            .Where(c => present.Contains(c.Column, StringComparer.OrdinalIgnoreCase))
            .DistinctBy(c => c.Column, StringComparer.OrdinalIgnoreCase)
            .Select(c => $"{Sql(c, salt)} AS {Quoting.Sql.Ident(c.Column)}")
            .ToList();
        return replaced.Count == 0 ? null : "* REPLACE (" + string.Join(", ", replaced) + ")";
    }

    /// <summary>The masked value of <paramref name="column"/> as a SQL expression over the column itself.</summary>
    public static string Sql(PiiColumn column, string salt)
    {
        ArgumentNullException.ThrowIfNull(column);
        var name = Quoting.Sql.Ident(column.Column);
        var text = $"CAST({name} AS VARCHAR)";
        return column.Kind switch
        {
            PiiMaskKind.Hash => $"sha256({Quoting.Sql.Literal(salt)} || {text})",
            // The CASE keeps a NULL a NULL: the hints below would turn it into '***'.
            PiiMaskKind.Partial => $"CASE WHEN {name} IS NULL THEN NULL ELSE {PartialSql(column.Classification, text)} END",
            // A NULL of the column's own type, so the view's schema stays the dataset's.
            PiiMaskKind.Null => $"CASE WHEN false THEN {name} END",
            _ => $"({column.Mask})",
        };
    }

    private static string PartialSql(string classification, string text) => classification switch
    {
        PiiClassification.Email => $"regexp_replace({text}, '^(.)[^@]*(@.*)?$', '\\1***\\2')",
        PiiClassification.Phone or PiiClassification.Iban =>
            $"CASE WHEN length({text}) > {Quoting.Sql.Number(PartialTail * 2)} THEN '***' || right({text}, {Quoting.Sql.Number(PartialTail)}) ELSE '***' END",
        _ => $"left({text}, 1) || '***'",
    };

    /// <summary>Characters of a phone number or IBAN a partial mask keeps, when the value is over twice as long.</summary>
    public const int PartialTail = 4;
}
