namespace Ductus.Core.Lake;

/// <summary>
/// A Parquet file a run wrote into the lake. <see cref="RelativePath"/> is relative to the
/// lake root (<c>&lt;workspace&gt;/&lt;dataset&gt;/...parquet</c>) so the lake can move.
/// </summary>
public sealed record LakeFile(string RelativePath, long Rows, long Bytes, IReadOnlyDictionary<string, ColumnStats> Stats);

/// <summary>Per-column statistics of one file, as text so every type fits one catalog column.</summary>
public sealed record ColumnStats(string? Min, string? Max, long NullCount);

/// <summary>A column of a dataset as the catalog records it.</summary>
/// <param name="Type">DuckDB type name (BIGINT, VARCHAR, TIMESTAMP, ...).</param>
public sealed record DatasetColumn(string Name, string Type, string? Description, bool Required);

/// <summary>
/// How a snapshot's columns differ from its parent's, as <c>schema_evolution</c> allowed them:
/// what a reader of older versions needs to know (older files read added columns as NULL).
/// </summary>
public sealed record SchemaChanges(IReadOnlyList<AddedColumn> Added, IReadOnlyList<WidenedColumn> Widened)
{
    public bool IsEmpty => Added.Count == 0 && Widened.Count == 0;
}

/// <summary>A column the snapshot's run brought that its dataset did not have.</summary>
public sealed record AddedColumn(string Name, string Type);

/// <summary>A column whose type the snapshot's run widened (<c>INTEGER</c> → <c>BIGINT</c>).</summary>
public sealed record WidenedColumn(string Name, string From, string To);

/// <summary>
/// A row the contract (or the parser) refused, with everything needed to understand and replay it.
/// </summary>
/// <param name="Line">Source line number where known (CSV/NDJSON), else null.</param>
/// <param name="Rules">Names of every rule the row broke (e.g. <c>delay.max</c>, <c>different_airports</c>, <c>parse</c>).</param>
/// <param name="Message">One readable sentence per broken rule, joined with "; ".</param>
/// <param name="ValuesJson">The original row as a JSON object (column → value), or null when the line could not be parsed.</param>
/// <param name="RawText">The raw source line when the parser rejected it, else null.</param>
public sealed record RejectedRow(long? Line, IReadOnlyList<string> Rules, string Message, string? ValuesJson, string? RawText);

/// <summary>How a run's files relate to the dataset's current snapshot.</summary>
public enum WriteMode
{
    Append,
    Replace,
    Merge,

    /// <summary>
    /// A model's target only: each run reads the rows its driving input appended since the last
    /// build and commits them as <see cref="Append"/>, or rebuilds in full and commits
    /// <see cref="Replace"/>. Never a snapshot's operation.
    /// </summary>
    Incremental,
}
