using Ductus.Core.Lake;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// The statements a snapshot commit is made of that a run's commit and a compaction share, each
/// run inside the commit's transaction (<see cref="SnapshotCommitter"/> holds the protocol).
/// </summary>
internal static class SnapshotWrites
{
    /// <summary>
    /// Inserts the snapshot row with zero totals (<see cref="UpdateTotalsAsync"/> sets them from
    /// its files). The primary key stops two commits from both taking the same version.
    /// </summary>
    public static async Task InsertSnapshotAsync(
        WorkspaceTransaction tx, Guid workspaceId, string dataset, long version, long? parent, Guid? runId, string operation, DateTimeOffset now, CancellationToken ct,
        SchemaChanges? schemaChanges = null)
    {
        await using var snapshot = tx.Command("""
            INSERT INTO snapshots (workspace_id, dataset, version, parent_version, run_id, operation, row_count, file_count, bytes, created_at, schema_changes)
            VALUES (@ws, @dataset, @version, @parent, @run, @operation, 0, 0, 0, @now, @changes)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version)
            .With("parent", parent, NpgsqlDbType.Bigint)
            .With("run", runId, NpgsqlDbType.Uuid)
            .With("operation", operation)
            .With("now", now)
            .With("changes", CatalogJson.SchemaChanges(schemaChanges), NpgsqlDbType.Jsonb);
        await snapshot.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Lists <paramref name="files"/> in the snapshot, all in one statement.</summary>
    public static async Task AddFilesAsync(
        WorkspaceTransaction tx, Guid workspaceId, string dataset, long version, IReadOnlyList<LakeFile> files, CancellationToken ct)
    {
        await using var insert = tx.Command("""
            INSERT INTO snapshot_files (workspace_id, dataset, version, path, rows, bytes, stats)
            SELECT @ws, @dataset, @version, f.path, f.rows, f.bytes, f.stats
              FROM unnest(@paths, @rows, @bytes, @stats) AS f(path, rows, bytes, stats)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version)
            .With("paths", files.Select(f => f.RelativePath).ToArray())
            .With("rows", files.Select(f => f.Rows).ToArray())
            .With("bytes", files.Select(f => f.Bytes).ToArray())
            .With("stats", files.Select(f => CatalogJson.Stats(f.Stats)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Jsonb);
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Lists the parent's files in the new version, less <paramref name="removed"/>. Every removed
    /// file must still be in the parent: if one is gone, another commit replaced it meanwhile,
    /// and carrying on would lose that change or list rows twice.
    /// </summary>
    public static async Task CarryFilesForwardAsync(
        WorkspaceTransaction tx, Guid workspaceId, string dataset, string[] removed, long parent, long version, string conflict, CancellationToken ct)
    {
        await using var carry = tx.Command("""
            INSERT INTO snapshot_files (workspace_id, dataset, version, path, rows, bytes, stats)
            SELECT workspace_id, dataset, @version, path, rows, bytes, stats
              FROM snapshot_files
             WHERE workspace_id = @ws AND dataset = @dataset AND version = @parent AND NOT (path = ANY (@removed))
            """)
            .With("version", version)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("parent", parent)
            .With("removed", removed);
        await carry.ExecuteNonQueryAsync(ct);

        if (removed.Length == 0)
        {
            return;
        }

        await using var check = tx.Command("""
            SELECT count(*) FROM snapshot_files
             WHERE workspace_id = @ws AND dataset = @dataset AND version = @parent AND path = ANY (@removed)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("parent", parent)
            .With("removed", removed);
        if ((long)(await check.ExecuteScalarAsync(ct))! != removed.Length)
        {
            throw new CommitConflictException(conflict);
        }
    }

    /// <summary>Sets the new snapshot's row, file and byte totals from its file list.</summary>
    public static async Task<(long Rows, int Files, long Bytes)> UpdateTotalsAsync(
        WorkspaceTransaction tx, Guid workspaceId, string dataset, long version, CancellationToken ct)
    {
        await using var totals = tx.Command("""
            UPDATE snapshots s
               SET row_count = t.row_count, file_count = t.file_count, bytes = t.bytes
              FROM (SELECT coalesce(sum(rows), 0)::bigint AS row_count, count(*)::int AS file_count, coalesce(sum(bytes), 0)::bigint AS bytes
                      FROM snapshot_files WHERE workspace_id = @ws AND dataset = @dataset AND version = @version) t
             WHERE s.workspace_id = @ws AND s.dataset = @dataset AND s.version = @version
            RETURNING s.row_count, s.file_count, s.bytes
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version);
        await using var reader = await totals.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2));
    }
}

/// <summary>Signals, inside one attempt, that the current-version pointer moved under us.</summary>
internal sealed class VersionMovedException : Exception
{
    public VersionMovedException()
        : base("The dataset's current version moved during the commit.")
    {
    }
}
