using Ductus.Core.Catalog;
using Ductus.Core.Ingest;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Api.Ingest;

/// <summary>A request's records as the buffer holds them.</summary>
/// <param name="RunId">The run that drained the batch into the lake; null while it waits.</param>
/// <param name="RowsRejected">Of the batch's records, how many that run's contract rejected (null while buffered).</param>
public sealed record IngestBatch(
    Guid Id,
    string Dataset,
    int Records,
    long Bytes,
    string Format,
    string? IdempotencyKey,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ConsumedAt,
    Guid? RunId,
    long? RowsRejected = null);

/// <summary>
/// The Api's side of the PostgreSQL ingest buffer (migration 0012). A batch is written in one
/// transaction (its row, then its records by binary COPY), so once <see cref="WriteAsync"/>
/// returns the records are durable; the Pipelines service drains them and marks them consumed in
/// the transaction that commits its run.
/// </summary>
public sealed class IngestWriter(NpgsqlDataSource db, TimeProvider time)
{
    private const string BatchColumns = "id, dataset, records, bytes, format, idempotency_key, received_at, consumed_at, run_id";

    /// <summary>
    /// What a push needs to know before it writes: which pipeline drains the dataset (null: none),
    /// how many records wait, and since when the oldest of them waits (null: none).
    /// </summary>
    /// <param name="Slot">The ring slot a push writes into now (by the database's clock).</param>
    public sealed record Door(string? Pipeline, long BufferedRecords, DateTimeOffset? OldestWaiting, short Slot)
    {
        /// <summary>How far the lake is behind the acknowledged records.</summary>
        public TimeSpan Lag(DateTimeOffset now) => OldestWaiting is { } oldest && now > oldest ? now - oldest : TimeSpan.Zero;
    }

    /// <summary>
    /// The pipeline that drains this dataset's buffer (a spec with <c>source: { kind: ingest }</c>)
    /// and what waits in the buffer, in one round trip: every push asks.
    /// </summary>
    public async Task<Door> DoorAsync(Guid workspaceId, string dataset, CancellationToken ct = default)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, WorkspaceRead.Query("""
            SELECT (SELECT name FROM pipelines
                     WHERE workspace_id = @ws AND dataset = @dataset AND spec -> 'source' ->> 'kind' = 'ingest'
                     ORDER BY name LIMIT 1),
                   waiting.records, waiting.oldest, ductus_ingest_slot()
              FROM (SELECT coalesce(sum(records), 0)::bigint AS records, min(received_at) AS oldest
                      FROM ingest_batches
                     WHERE workspace_id = @ws AND dataset = @dataset AND consumed_at IS NULL) waiting
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset), ct);
        await read.Reader.ReadAsync(ct);
        return new Door(read.Reader.Nullable<string>(0), read.Reader.GetInt64(1), read.Reader.NullableValue<DateTimeOffset>(2), read.Reader.GetInt16(3));
    }

    public async Task<IngestBatch?> FindByKeyAsync(Guid workspaceId, string dataset, string idempotencyKey, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT {BatchColumns} FROM ingest_batches
             WHERE workspace_id = @ws AND dataset = @dataset AND idempotency_key = @key
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("key", idempotencyKey);
        return await SingleAsync(command, ct);
    }

    /// <summary>A batch with, once drained, the number of its records the run's contract rejected.</summary>
    public async Task<IngestBatch?> GetAsync(Guid workspaceId, string dataset, Guid batchId, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        IngestBatch? batch;
        await using (var command = tx.Command($"""
            SELECT {BatchColumns} FROM ingest_batches WHERE workspace_id = @ws AND dataset = @dataset AND id = @id
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("id", batchId))
        {
            batch = await SingleAsync(command, ct);
        }

        if (batch?.RunId is not { } run)
        {
            return batch;
        }

        // Rejected rows keep the values the contract saw, which include the batch column.
        await using var rejected = tx.Command($"""
            SELECT count(*) FROM rejects
             WHERE workspace_id = @ws AND run_id = @run AND "values" ->> '{IngestSource.BatchColumn}' = @batch
            """)
            .With("ws", workspaceId)
            .With("run", run)
            .With("batch", batchId.ToString());
        return batch with { RowsRejected = (long)(await rejected.ExecuteScalarAsync(ct))! };
    }

    /// <summary>
    /// Writes one batch and commits it. With an idempotency key already used for this dataset,
    /// nothing is written and the existing batch is returned with <c>Created</c> false.
    /// Records are JSON objects in UTF-8, stored as they are; an exception from <paramref name="records"/> (a malformed
    /// body) rolls the whole batch back. <paramref name="slot"/> is the ring slot to write into
    /// (<see cref="Door.Slot"/>, so the database need not compute it for every row); without it the
    /// database's clock picks it.
    /// </summary>
    public async Task<(IngestBatch Batch, bool Created)> WriteAsync(
        Guid workspaceId,
        string dataset,
        string format,
        string? idempotencyKey,
        IAsyncEnumerable<ReadOnlyMemory<byte>> records,
        Func<long> bytesRead,
        short? slot = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(bytesRead);
        if (slot is < 0 or >= IngestSlots.Ring)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"A push writes into a ring slot, 0 to {IngestSlots.Ring - 1}.");
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);

        // Straight into the buffer table (migration 0013 explains why it has no row-level security
        // and how ductus_app is still held to its workspace there).
        var count = 0;
        await using (var copy = await tx.Connection.BeginRawBinaryCopyAsync(
            slot is null
                ? "COPY ingest_records (workspace_id, batch_id, record) FROM STDIN (FORMAT BINARY)"
                : "COPY ingest_records (workspace_id, batch_id, record, slot) FROM STDIN (FORMAT BINARY)",
            ct))
        {
            var rows = new RecordCopyWriter(copy, workspaceId, id, slot);
            try
            {
                await foreach (var record in records.WithCancellation(ct))
                {
                    await rows.WriteAsync(record, ct);
                    count++;
                }

                await rows.CompleteAsync(ct);
            }
            catch (Exception e) when (e is not NpgsqlException)
            {
                // A malformed or oversize body: ending the stream would complete the COPY, and
                // the records before the bad one must not stay in the transaction.
                await copy.CancelAsync();
                throw;
            }
        }

        // The batch row comes last, with its counts, so a push is one row written once. The unique
        // key makes a concurrent retry wait here for the first request's transaction, then roll
        // its own records back and answer with the first one's batch. Its slot is the records'
        // (without one given, both are the default computed from this transaction's start time).
        var bytes = bytesRead();
        await using (var insert = tx.Command("""
            INSERT INTO ingest_batches (id, workspace_id, dataset, records, bytes, format, idempotency_key, received_at, slot)
            VALUES (@id, @ws, @dataset, @count, @bytes, @format, @key, @now, coalesce(@slot, ductus_ingest_slot()))
            ON CONFLICT (workspace_id, dataset, idempotency_key) DO NOTHING
            """)
            .With("id", id)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("count", count)
            .With("bytes", bytes)
            .With("format", format)
            .With("key", idempotencyKey, NpgsqlDbType.Text)
            .With("now", now)
            .With("slot", slot, NpgsqlDbType.Smallint))
        {
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                await tx.Transaction.RollbackAsync(ct);
                var existing = await FindByKeyAsync(workspaceId, dataset, idempotencyKey!, ct)
                    ?? throw new InvalidOperationException($"Batch with Idempotency-Key '{idempotencyKey}' conflicted but cannot be found.");
                return (existing, false);
            }
        }

        await tx.CommitAsync(ct);
        return (new IngestBatch(id, dataset, count, bytes, format, idempotencyKey, now, null, null), true);
    }

    private static async Task<IngestBatch?> SingleAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new IngestBatch(
            reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetString(4), reader.Nullable<string>(5),
            reader.GetFieldValue<DateTimeOffset>(6), reader.NullableValue<DateTimeOffset>(7), reader.NullableValue<Guid>(8));
    }
}
