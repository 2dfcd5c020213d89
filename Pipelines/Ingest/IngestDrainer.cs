using Ductus.Core.Catalog;
using Ductus.Core.Ingest;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Pipelines.Ingest;

/// <summary>What a run took from the buffer: whole batches, so a batch is never half drained.</summary>
public sealed record IngestDrain(Guid WorkspaceId, string Dataset, IReadOnlyList<Guid> BatchIds, long Records);

/// <summary>
/// The Pipelines service's side of the PostgreSQL ingest buffer (migration 0012): the Api writes
/// batches into it, runs drain them here, and the records leave the buffer only in the
/// transaction that commits the run that drained them (<see cref="ConsumeAsync"/>, called through
/// <see cref="SnapshotCommitter.CommitAsync(Guid, CommitRequest, Func{NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task}?, CancellationToken)"/>).
/// </summary>
public sealed class IngestDrainer(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>
    /// Takes the oldest waiting batches of the dataset (those committed by now), whole, until they
    /// hold <paramref name="maxRecords"/> records (always at least one batch; at most
    /// <paramref name="maxBatches"/>), and writes their records to <paramref name="ndjsonPath"/>, one
    /// object a line with <see cref="IngestSource.BatchColumn"/> added. Nothing is marked: the
    /// records stay buffered until <see cref="ConsumeAsync"/> commits. The bound keeps a run short
    /// after a backlog built up (the next run takes the rest), so new pushes are never stuck behind
    /// one huge drain.
    /// </summary>
    public async Task<IngestDrain> DrainAsync(Guid workspaceId, string dataset, string ndjsonPath, int maxBatches, long maxRecords = long.MaxValue, CancellationToken ct = default)
    {
        // Repeatable read: the batch list and the records are read from one snapshot. The lock
        // comes before that snapshot is taken (LOCK and SET take none): TRUNCATE is not MVCC-safe,
        // so a slot recycled between the snapshot and the read would look empty; holding the
        // lock, no slot can be recycled under the drain.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var set = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("LOCK TABLE ingest_records_visible IN ACCESS SHARE MODE"),
                new("SET LOCAL enable_seqscan = off"),
                WorkspaceScope.ActFor(workspaceId),
            },
        })
        {
            await set.ExecuteNonQueryAsync(ct);
        }

        var batches = new List<Guid>();
        var slots = new HashSet<short>();
        long expected = 0;
        await using (var list = new NpgsqlCommand("""
            SELECT id, records, slot FROM ingest_batches
             WHERE workspace_id = @ws AND dataset = @dataset AND consumed_at IS NULL
             ORDER BY received_at, id
             LIMIT @max
            """, connection, transaction)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("max", maxBatches))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct) && (batches.Count == 0 || expected + reader.GetInt32(1) <= maxRecords))
            {
                batches.Add(reader.GetGuid(0));
                expected += reader.GetInt32(1);
                slots.Add(reader.GetInt16(2));
            }
        }

        // Binary COPY out, parsed here: PostgreSQL only sends the stored bytes (building the lines
        // in SQL cost it 2.8 us a record, and it is the machine's busiest process under ingest
        // load), and each record goes from the COPY buffer to the file without being decoded.
        // No ORDER BY: rows come out of each batch's bitmap scan in the order they were written (a
        // sort made PostgreSQL test every row against the whole batch list). Sequential scans are
        // off for this transaction: a slot also holds consumed records until its TRUNCATE, and the
        // batch index finds just the waiting ones. The slots prune the other partitions.
        long records = 0;
        await using (var file = new FileStream(ndjsonPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            if (batches.Count > 0)
            {
                await using var copy = await connection.BeginRawBinaryCopyAsync(
                    $"COPY (SELECT batch_id, record FROM ingest_records_visible WHERE slot = ANY ('{{{string.Join(',', slots)}}}'::smallint[]) AND batch_id = ANY ('{{{string.Join(',', batches)}}}'::uuid[])) TO STDOUT (FORMAT BINARY)",
                    ct);
                records = await CopyOutLines.WriteAsync(copy, file, ct);
            }
        }

        // Each batch row counts its records, written in the same transaction: a drain that reads
        // fewer must not let the commit mark the batches consumed.
        if (records != expected)
        {
            throw new InvalidDataException(
                $"The ingest buffer holds {records} records for {batches.Count} batches of '{dataset}' that were acknowledged with {expected}; nothing is drained.");
        }

        await transaction.CommitAsync(ct);
        return new IngestDrain(workspaceId, dataset, batches, records);
    }

    /// <summary>Whether the dataset has records waiting.</summary>
    public async Task<bool> HasBufferedAsync(Guid workspaceId, string dataset, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT EXISTS (SELECT 1 FROM ingest_batches WHERE workspace_id = @ws AND dataset = @dataset AND consumed_at IS NULL)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Marks the drained batches consumed by <paramref name="runId"/>, inside the snapshot commit's
    /// transaction: the records leave the buffer exactly when the lake has them. A batch already
    /// consumed by another run aborts the commit, so no record is loaded twice. Records in a ring
    /// slot stay until <see cref="RecycleAsync"/> truncates it; those in the overflow slot are
    /// deleted here.
    /// </summary>
    public async Task ConsumeAsync(IngestDrain drain, Guid runId, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(drain);
        if (drain.BatchIds.Count == 0)
        {
            return;
        }

        var ids = drain.BatchIds.ToArray();
        await using (var mark = new NpgsqlCommand("""
            UPDATE ingest_batches SET consumed_at = @now, run_id = @run
             WHERE workspace_id = @ws AND id = ANY (@ids) AND consumed_at IS NULL
            """, connection, transaction)
            .With("now", time.GetUtcNow())
            .With("run", runId)
            .With("ws", drain.WorkspaceId)
            .With("ids", ids))
        {
            var marked = await mark.ExecuteNonQueryAsync(ct);
            if (marked != ids.Length)
            {
                throw new RunStateException(
                    $"Run {runId} drained {ids.Length} ingest batches of '{drain.Dataset}' but {ids.Length - marked} were consumed by another run meanwhile; nothing of this run is committed.");
            }
        }

        // Always, not only for batches listed in the overflow slot: the recycler may have moved a
        // batch there after the drain read it.
        await using var delete = new NpgsqlCommand($"""
            DELETE FROM ingest_records_visible WHERE slot = {IngestSlots.Overflow} AND batch_id = ANY (@ids)
            """, connection, transaction)
            .With("ids", ids);
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Empties every ring slot whose batches are all consumed (other than <paramref name="current"/>,
    /// by default the database clock's), moving the waiting batches of the slot due next to the
    /// overflow slot first; a slot in use by some transaction is left for the next call. Returns
    /// how many slots were emptied. Cheap when there is nothing to do: the Pipelines service calls
    /// it after every drain and when an ingest pipeline's schedule fires with nothing buffered.
    /// </summary>
    public async Task<int> RecycleAsync(short? current = null, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT ductus_ingest_recycle(coalesce($1, ductus_ingest_slot()))");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)current ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }
}
