using Ductus.Core.Catalog;
using Npgsql;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Retention of the catalog's own tables, one workspace at a time and in batches (each its own
/// short transaction, so a first pass over years of history never holds locks for long): runs,
/// consumed ingest batches and alert delivery attempts are deleted past their age; audit rows are
/// moved to <c>audit_archive</c>, never deleted.
/// </summary>
public sealed class CatalogRetention(NpgsqlDataSource db)
{
    /// <summary>Rows per transaction.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>
    /// Ended runs older than <paramref name="before"/>, except those something retained still
    /// points at: a snapshot (its provenance), rejected rows (replay needs the run), a pipeline's
    /// incremental watermark, and the newest run of each pipeline (its last status). Their
    /// inputs and model builds go with them; ingest batches and replays keep a null run.
    /// </summary>
    public Task<long> DeleteRunsAsync(Guid workspace, DateTimeOffset before, CancellationToken ct) => RepeatAsync(workspace, """
        DELETE FROM runs WHERE id IN (
            SELECT r.id FROM runs r
             WHERE r.status IN ('succeeded', 'failed', 'cancelled')
               AND coalesce(r.finished_at, r.created_at) < @before
               AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.run_id = r.id)
               AND NOT EXISTS (SELECT 1 FROM rejects j WHERE j.workspace_id = r.workspace_id AND j.run_id = r.id)
               AND NOT EXISTS (SELECT 1 FROM pipeline_watermarks w WHERE w.workspace_id = r.workspace_id AND w.run_id = r.id)
               AND EXISTS (SELECT 1 FROM runs n
                            WHERE n.workspace_id = r.workspace_id AND n.pipeline = r.pipeline
                              AND (n.created_at, n.id) > (r.created_at, r.id))
             LIMIT @batch)
        """, before, ct);

    /// <summary>Batches drained into a snapshot before <paramref name="before"/>; batches still buffered are never touched.</summary>
    public Task<long> DeleteConsumedBatchesAsync(Guid workspace, DateTimeOffset before, CancellationToken ct) => RepeatAsync(workspace, """
        DELETE FROM ingest_batches WHERE id IN (
            SELECT id FROM ingest_batches WHERE consumed_at < @before LIMIT @batch)
        """, before, ct);

    public Task<long> DeleteAlertDeliveriesAsync(Guid workspace, DateTimeOffset before, CancellationToken ct) => RepeatAsync(workspace, """
        DELETE FROM alert_deliveries WHERE id IN (
            SELECT id FROM alert_deliveries WHERE at < @before LIMIT @batch)
        """, before, ct);

    /// <summary>Moves audit rows older than <paramref name="before"/> to <c>audit_archive</c> (migration 0026's function).</summary>
    public Task<long> ArchiveAuditAsync(Guid workspace, DateTimeOffset before, CancellationToken ct) =>
        RepeatAsync(workspace, "SELECT ductus_archive_audit(@before, @batch)", before, ct, scalar: true);

    private async Task<long> RepeatAsync(Guid workspace, string sql, DateTimeOffset before, CancellationToken ct, bool scalar = false)
    {
        long total = 0;
        while (true)
        {
            await using var tx = await WorkspaceTransaction.BeginAsync(db, workspace, ct);
            await using var command = tx.Command(sql).With("before", before).With("batch", BatchSize);
            var count = scalar ? Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) : await command.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            total += count;
            if (count < BatchSize)
            {
                return total;
            }
        }
    }
}
