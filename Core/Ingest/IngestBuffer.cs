using System.Buffers.Binary;
using System.Text;
using Ductus.Core.Catalog;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Ingest;

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

/// <summary>What a run took from the buffer: whole batches, so a batch is never half drained.</summary>
public sealed record IngestDrain(Guid WorkspaceId, string Dataset, IReadOnlyList<Guid> BatchIds, long Records);

/// <summary>
/// The buffer's slots (migration 0014): a push writes into the ring slot of its time, and a ring
/// slot whose batches are all consumed is emptied with TRUNCATE; batches still waiting when their
/// slot comes round again move to the overflow slot, whose rows are deleted as they are consumed.
/// </summary>
public static class IngestSlots
{
    /// <summary>Ring slots are 0 to <c>Ring - 1</c>; each is written for 10 s of every 80.</summary>
    public const short Ring = 8;

    public const short Overflow = 8;
}

/// <summary>
/// The PostgreSQL ingest buffer (migration 0012). A batch is written in one transaction (its row,
/// then its records by binary COPY), so once <see cref="WriteAsync"/> returns the records are
/// durable; they leave the buffer only in the transaction that commits the run that drained them
/// (<see cref="ConsumeAsync"/>, called through <see cref="CatalogStore.CommitAsync(Guid, CommitRequest, Func{NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task}?, CancellationToken)"/>).
/// </summary>
public sealed class IngestBuffer(NpgsqlDataSource db, TimeProvider time)
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
        await using (var set = new NpgsqlCommand("""
            LOCK TABLE ingest_records_visible IN ACCESS SHARE MODE;
            SET LOCAL enable_seqscan = off;
            SELECT set_config('ductus.workspace_id', @ws, true);
            """, connection, transaction).With("ws", workspaceId.ToString()))
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
                records = await CopyLinesAsync(copy, file, ct);
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

    /// <summary>
    /// Turns PostgreSQL's binary COPY stream of (batch_id uuid, record json) rows into NDJSON lines
    /// with the batch as the first key, each record's bytes going from the window to the file.
    /// </summary>
    private static async Task<long> CopyLinesAsync(Stream copy, FileStream file, CancellationToken ct)
    {
        var window = new ByteWindow();
        long records = 0;
        var header = true;
        Guid? lastBatch = null;
        var prefix = Array.Empty<byte>();
        while (true)
        {
            var available = window.Available.Span;
            int used;
            if (header)
            {
                used = HeaderLength(available);
                header = used == 0;
            }
            else if (available.Length >= 2 && BinaryPrimitives.ReadInt16BigEndian(available) == -1)
            {
                return records;
            }
            else if ((used = RowLength(available)) > 0)
            {
                var batch = new Guid(available.Slice(6, 16), bigEndian: true);
                if (batch != lastBatch)
                {
                    lastBatch = batch;
                    prefix = Encoding.UTF8.GetBytes($"{{\"{IngestSource.BatchColumn}\":\"{batch}\"");
                }

                file.Write(prefix);
                WriteMembers(file, available[RowHeader..used]);
                records++;
            }

            if (used > 0)
            {
                window.Consume(used);
            }
            else if (await window.FillAsync(copy, ct) == 0)
            {
                throw new InvalidDataException("The ingest buffer's COPY ended without its trailer.");
            }
        }
    }

    /// <summary>Bytes of a row before its record: field count, the uuid's length and bytes, the record's length.</summary>
    private const int RowHeader = 2 + 4 + 16 + 4;

    /// <summary>
    /// The length of the COPY header ("PGCOPY\n\xff\r\n\0", flags, then the header extension's
    /// length and bytes) at the start of <paramref name="available"/>, or 0 while it is incomplete.
    /// </summary>
    private static int HeaderLength(ReadOnlySpan<byte> available) =>
        available.Length >= 19 && available.Length >= 19 + BinaryPrimitives.ReadInt32BigEndian(available[15..])
            ? 19 + BinaryPrimitives.ReadInt32BigEndian(available[15..])
            : 0;

    /// <summary>The length of the (batch_id, record) row at the start of <paramref name="available"/>, or 0 while it is incomplete.</summary>
    private static int RowLength(ReadOnlySpan<byte> available)
    {
        if (available.Length < 2)
        {
            return 0;
        }

        var fields = BinaryPrimitives.ReadInt16BigEndian(available);
        if (fields != 2)
        {
            throw new InvalidDataException($"The ingest buffer's COPY sent a row of {fields} fields, not 2.");
        }

        if (available.Length < RowHeader)
        {
            return 0;
        }

        var length = RowHeader + BinaryPrimitives.ReadInt32BigEndian(available[(RowHeader - 4)..]);
        return available.Length >= length ? length : 0;
    }

    /// <summary>
    /// Writes the record's members after the batch column already written: a record is stored as
    /// the client sent it, one JSON object starting with "{" (the Api trims around it).
    /// </summary>
    private static void WriteMembers(FileStream file, ReadOnlySpan<byte> json)
    {
        var rest = json[1..].TrimStart(" \t\r\n"u8);
        if (rest.Length > 0 && rest[0] == (byte)'}')
        {
            file.Write("}\n"u8);
            return;
        }

        file.WriteByte((byte)',');
        file.Write(rest);
        file.WriteByte((byte)'\n');
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
