using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Datasets.Snapshots;

public sealed record Response(IReadOnlyList<Snapshot> Items);

/// <summary>One committed version of a dataset.</summary>
/// <param name="Parent">The version it was made on top of; null for the first.</param>
/// <param name="RunId">The run that committed it; null for a compaction, or once retention deleted the run.</param>
/// <param name="Operation"><c>append</c>, <c>replace</c> or <c>merge</c> (a run's write), <c>compact</c> (the same rows in fewer files, no run) or <c>rollback</c> (an older version's files again, no run).</param>
/// <param name="RowCount">Rows in the dataset at this version.</param>
/// <param name="FileCount">Files a reader scans to see this version.</param>
/// <param name="SchemaChanges">
/// Columns this version's run added (older versions read them as NULL) or widened (older files
/// read as the wider type), as its spec's <c>schema_evolution</c> allowed; both lists empty when it changed none.
/// </param>
public sealed record Snapshot(
    long Version, long? Parent, Guid? RunId, string Operation, long RowCount, int FileCount, long Bytes, DateTimeOffset CreatedAt, SchemaChanges SchemaChanges)
{
    public static Snapshot From(SnapshotRecord s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Version, s.ParentVersion, s.RunId, s.Operation.ToString().ToLowerInvariant(), s.RowCount, s.FileCount, s.Bytes, s.CreatedAt, SchemaChanges.From(s.SchemaChanges));
    }
}

/// <summary>How a version's columns differ from its parent's.</summary>
public sealed record SchemaChanges(IReadOnlyList<AddedColumn> Added, IReadOnlyList<WidenedColumn> Widened)
{
    public static SchemaChanges From(Core.Lake.SchemaChanges? changes) => new(
        [.. (changes?.Added ?? []).Select(a => new AddedColumn(a.Name, a.Type))],
        [.. (changes?.Widened ?? []).Select(w => new WidenedColumn(w.Name, w.From, w.To))]);
}

/// <param name="Type">DuckDB type name.</param>
public sealed record AddedColumn(string Name, string Type);

/// <param name="From">The type before (<c>INTEGER</c>).</param>
/// <param name="To">The type from this version on (<c>BIGINT</c>).</param>
public sealed record WidenedColumn(string Name, string From, string To);
