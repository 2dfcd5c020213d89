using System.Text.Json;

namespace Ductus.Api.Features.Datasets.Diff;

/// <summary>What changed in a dataset between two of its snapshots.</summary>
/// <param name="RowsAdded">Rows of <paramref name="To"/> not in <paramref name="From"/>, duplicates counted (multiset difference over the columns both versions have).</param>
/// <param name="RowsRemoved">Rows of <paramref name="From"/> not in <paramref name="To"/>, the same way.</param>
public sealed record Response(
    string Dataset,
    SnapshotSide From,
    SnapshotSide To,
    long RowsAdded,
    long RowsRemoved,
    SchemaChange Schema,
    IReadOnlyList<ColumnDiff> Columns);

/// <param name="Operation"><c>append</c>, <c>replace</c>, <c>merge</c> or <c>compact</c>.</param>
public sealed record SnapshotSide(long Version, long Rows, DateTimeOffset CommittedAt, string Operation);

public sealed record SchemaChange(IReadOnlyList<ColumnType> Added, IReadOnlyList<ColumnType> Removed, IReadOnlyList<TypeChange> Changed);

/// <param name="Type">DuckDB's name of the type, e.g. <c>BIGINT</c>.</param>
public sealed record ColumnType(string Name, string Type);

public sealed record TypeChange(string Name, string From, string To);

/// <summary>A column's values at both versions; a side is null when the column is not in that version.</summary>
/// <param name="Type">Its type at <c>to</c> (at <c>from</c> for a removed column).</param>
public sealed record ColumnDiff(string Name, string Type, ColumnStats? From, ColumnStats? To);

/// <param name="Min">The smallest value as the query API writes it in JSON; null when every value is null.</param>
/// <param name="Nulls">Rows where the column is null.</param>
public sealed record ColumnStats(JsonElement Min, JsonElement Max, long Nulls);
