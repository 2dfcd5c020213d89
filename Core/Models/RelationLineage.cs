namespace Ductus.Core.Models;

/// <summary>How an output column is made from one of its input columns.</summary>
public enum ColumnDerivation
{
    /// <summary>The input column's values as they are, possibly under another name.</summary>
    Direct,

    /// <summary>Computed from the input column (a function, CASE, cast, arithmetic, an aggregate...).</summary>
    Expression,
}

/// <summary>An input column an output column is made from.</summary>
/// <param name="Relation">The input relation as the caller named it (a dataset, or <c>source</c>).</param>
public sealed record ColumnSource(string Relation, string Column, ColumnDerivation How);

/// <summary>Where one output column comes from.</summary>
/// <param name="Sources">
/// The input columns it is made from; empty for a literal or <c>count(*)</c>. When
/// <paramref name="Unknown"/> is set these are only the ones that could be found (for an
/// ambiguous name: every candidate), never a guess.
/// </param>
/// <param name="Unknown">Why the lineage is not fully resolved; null when <paramref name="Sources"/> are all of it.</param>
public sealed record ColumnOrigin(string Column, IReadOnlyList<ColumnSource> Sources, string? Unknown = null)
{
    internal static ColumnOrigin Unresolved(string column, string reason) => new(column, [], reason);

    internal ColumnOrigin Named(string column) => this with { Column = column };
}

/// <summary>
/// The column lineage of one relation (a SELECT's output): its columns in order, each with the
/// input columns it comes from.
/// </summary>
public sealed class RelationLineage
{
    private readonly Func<string, ColumnOrigin>? _rest;

    internal RelationLineage(IReadOnlyList<ColumnOrigin> columns, Func<string, ColumnOrigin>? rest = null)
    {
        Columns = columns;
        _rest = rest;
    }

    /// <summary>The output columns that could be listed, in output order.</summary>
    public IReadOnlyList<ColumnOrigin> Columns { get; }

    /// <summary>
    /// Whether <see cref="Columns"/> is every output column. It is not when a <c>*</c> reads a
    /// relation whose columns were not given (then a column of any other name passes through
    /// from it), or after a construct whose columns are not resolved (then any other name is unknown).
    /// </summary>
    public bool IsComplete => _rest is null;

    /// <summary>An input relation of known columns: each passes through as itself.</summary>
    public static RelationLineage Input(string relation, IEnumerable<string> columns) =>
        new([.. columns.Select(c => new ColumnOrigin(c, [new ColumnSource(relation, c, ColumnDerivation.Direct)]))]);

    /// <summary>An input relation whose columns are not known: any name passes through as itself.</summary>
    public static RelationLineage OpenInput(string relation) =>
        new([], c => new ColumnOrigin(c, [new ColumnSource(relation, c, ColumnDerivation.Direct)]));

    /// <summary>A relation none of whose columns can be resolved, for <paramref name="reason"/>; <paramref name="names"/> are the ones known to exist.</summary>
    public static RelationLineage Unresolved(string reason, IReadOnlyList<string>? names = null) =>
        new([.. (names ?? []).Select(n => ColumnOrigin.Unresolved(n, reason))], c => ColumnOrigin.Unresolved(c, reason));

    /// <summary>The lineage of the output column named <paramref name="column"/> (ASCII case-insensitive, as DuckDB binds names).</summary>
    public ColumnOrigin Of(string column) => Find(column) ?? ColumnOrigin.Unresolved(column, $"the statement has no column named '{column}'");

    internal ColumnOrigin? Find(string column) =>
        Columns.FirstOrDefault(c => string.Equals(c.Column, column, StringComparison.OrdinalIgnoreCase)) ?? _rest?.Invoke(column);

    /// <summary>
    /// This lineage with the columns it reads from <paramref name="relation"/> replaced by where
    /// <paramref name="upstream"/> says they come from: a model's transform (over <c>source</c>)
    /// through the model's SQL (over its inputs). Direct through direct stays direct.
    /// </summary>
    public RelationLineage Through(string relation, RelationLineage upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ColumnOrigin Compose(ColumnOrigin origin)
        {
            var sources = new List<ColumnSource>();
            var unknown = origin.Unknown;
            foreach (var source in origin.Sources)
            {
                if (!string.Equals(source.Relation, relation, StringComparison.OrdinalIgnoreCase))
                {
                    sources.Add(source);
                    continue;
                }

                var up = upstream.Of(source.Column);
                unknown ??= up.Unknown;
                sources.AddRange(up.Sources.Select(s => s with { How = source.How == ColumnDerivation.Direct ? s.How : ColumnDerivation.Expression }));
            }

            return origin with { Sources = Distinct(sources), Unknown = unknown };
        }

        return new([.. Columns.Select(Compose)], _rest is null ? null : c => Compose(_rest(c)));
    }

    internal static IReadOnlyList<ColumnSource> Distinct(IEnumerable<ColumnSource> sources)
    {
        // One entry per input column: direct when any path is (a renamed copy), else expression.
        var merged = new List<ColumnSource>();
        foreach (var source in sources)
        {
            var at = merged.FindIndex(s => string.Equals(s.Relation, source.Relation, StringComparison.Ordinal)
                && string.Equals(s.Column, source.Column, StringComparison.OrdinalIgnoreCase));
            if (at < 0)
            {
                merged.Add(source);
            }
            else if (source.How == ColumnDerivation.Direct)
            {
                merged[at] = merged[at] with { How = ColumnDerivation.Direct };
            }
        }

        return merged;
    }
}
