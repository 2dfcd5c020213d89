using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Datasets.Snapshots;

public sealed record Response(IReadOnlyList<Snapshot> Items);

/// <summary>One committed version of a dataset.</summary>
/// <param name="Parent">The version it was made on top of; null for the first.</param>
/// <param name="RunId">The run that committed it; null for a compaction, or once retention deleted the run.</param>
/// <param name="Operation"><c>append</c>, <c>replace</c> or <c>merge</c> (a run's write), <c>compact</c> (the same rows in fewer files, no run) or <c>rollback</c> (an older version's files again, no run).</param>
/// <param name="RowCount">Rows in the dataset at this version.</param>
/// <param name="FileCount">Files a reader scans to see this version.</param>
public sealed record Snapshot(long Version, long? Parent, Guid? RunId, string Operation, long RowCount, int FileCount, long Bytes, DateTimeOffset CreatedAt)
{
    public static Snapshot From(SnapshotRecord s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Version, s.ParentVersion, s.RunId, s.Operation.ToString().ToLowerInvariant(), s.RowCount, s.FileCount, s.Bytes, s.CreatedAt);
    }
}
