namespace Ductus.Core.Catalog;

public sealed partial class SnapshotCommitter
{
    /// <summary>
    /// Rolls a dataset back to an earlier snapshot by committing a NEW snapshot (operation
    /// <c>rollback</c>) that lists exactly that version's files. History is never rewritten: every
    /// version stays readable, and a rollback can itself be rolled back. Not a load, so the
    /// last-load time stays as the runs set it.
    /// </summary>
    /// <param name="audit">Who rolled it back; the store adds the versions and rows.</param>
    /// <returns>Null when the dataset (not archived) or that version does not exist (never committed, or expired by retention).</returns>
    public async Task<CommitResult?> RollbackAsync(Guid workspaceId, string dataset, long toVersion, AuditEntry audit, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        ArgumentNullException.ThrowIfNull(audit);
        CommitResult? result = null;
        await RetryLostRacesAsync(
            async attempt =>
            {
                result = await TryRollbackAsync(workspaceId, dataset, toVersion, audit, attempt, ct);
                return result ?? new CommitResult(0, null, 0, 0, attempt);
            },
            attempts => $"A rollback of dataset '{dataset}' could not commit after {attempts} attempts: other commits kept winning.",
            ct);
        if (result is not null)
        {
            await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        }

        return result;
    }

    private async Task<CommitResult?> TryRollbackAsync(Guid workspaceId, string dataset, long toVersion, AuditEntry audit, int attempt, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        long parent;
        await using (var read = tx.Command("""
            SELECT d.current_version
              FROM datasets d JOIN snapshots s ON s.workspace_id = d.workspace_id AND s.dataset = d.name AND s.version = @to
             WHERE d.workspace_id = @ws AND d.name = @name AND d.archived_at IS NULL AND d.current_version IS NOT NULL
            """)
            .With("ws", workspaceId)
            .With("name", dataset)
            .With("to", toVersion))
        {
            if (await read.ExecuteScalarAsync(ct) is not long current)
            {
                return null;
            }

            parent = current;
        }

        var version = parent + 1;
        var now = time.GetUtcNow();
        await SnapshotWrites.InsertSnapshotAsync(tx, workspaceId, dataset, version, parent, null, "rollback", now, ct);
        await using (var copy = tx.Command("""
            INSERT INTO snapshot_files (workspace_id, dataset, version, path, rows, bytes, stats)
            SELECT workspace_id, dataset, @version, path, rows, bytes, stats
              FROM snapshot_files
             WHERE workspace_id = @ws AND dataset = @name AND version = @to
            """)
            .With("version", version)
            .With("ws", workspaceId)
            .With("name", dataset)
            .With("to", toVersion))
        {
            await copy.ExecuteNonQueryAsync(ct);
        }

        var (rowCount, fileCount, bytes) = await SnapshotWrites.UpdateTotalsAsync(tx, workspaceId, dataset, version, ct);
        await using (var move = tx.Command("""
            UPDATE datasets SET current_version = @version, row_count = @rows, bytes = @bytes, updated_at = @now
             WHERE workspace_id = @ws AND name = @name AND current_version = @expected
            """)
            .With("version", version)
            .With("rows", rowCount)
            .With("bytes", bytes)
            .With("now", now)
            .With("ws", workspaceId)
            .With("name", dataset)
            .With("expected", parent))
        {
            if (await move.ExecuteNonQueryAsync(ct) != 1)
            {
                throw new VersionMovedException();
            }
        }

        await AuditLog.WriteAsync(tx, workspaceId, audit.With(
            new { version = parent },
            new { version, rolledBackTo = toVersion, rows = rowCount, files = fileCount }), ct);
        await tx.CommitAsync(ct);
        return new CommitResult(version, parent, rowCount, fileCount, attempt);
    }
}
