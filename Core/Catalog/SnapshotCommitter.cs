using Ductus.Core.Lake;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// The one transaction that makes data visible: a run's files (<see cref="CommitAsync(Guid, CommitRequest, CancellationToken)"/>)
/// or a compaction's (<see cref="CommitCompactionAsync"/>) become the dataset's next snapshot,
/// redone on top of whatever is current when another commit to the dataset wins the race.
/// A rollback is one more such commit (<see cref="RollbackAsync"/>).
/// </summary>
public sealed partial class SnapshotCommitter(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    /// <summary>
    /// Commits race only against other commits to the same dataset, each a few milliseconds
    /// long, so a handful of retries outlasts any realistic burst of concurrent runs.
    /// </summary>
    private const int MaxCommitAttempts = 10;

    /// <inheritdoc cref="CommitAsync(Guid, CommitRequest, Func{NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task}?, CancellationToken)"/>
    public Task<CommitResult> CommitAsync(Guid workspaceId, CommitRequest request, CancellationToken ct = default) =>
        CommitAsync(workspaceId, request, null, ct);

    /// <summary>
    /// Makes a run's files visible as the dataset's next snapshot, in one transaction with the
    /// run's stats and the pipeline's watermark. When another run commits to the dataset first,
    /// the commit is redone on top of the new current snapshot: append and replace commute, and
    /// a merge still applies while the files it rewrote are unchanged.
    /// </summary>
    /// <param name="alsoInTransaction">
    /// Extra work that must commit or roll back with the snapshot, e.g. deleting the ingest-buffer
    /// rows the run consumed. It runs last, inside the transaction (workspace already set), and
    /// again on every retry.
    /// </param>
    /// <exception cref="RunStateException">The run is missing, not running, or belongs to another dataset.</exception>
    /// <exception cref="CommitConflictException">The retries ran out, or a merge's rewritten files were replaced meanwhile.</exception>
    public async Task<CommitResult> CommitAsync(
        Guid workspaceId,
        CommitRequest request,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? alsoInTransaction,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Dataset);
        ArgumentNullException.ThrowIfNull(request.Files);
        var duplicate = request.Files.GroupBy(f => f.RelativePath, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"File '{duplicate.Key}' is listed twice.", nameof(request));
        }

        return await RetryLostRacesAsync(
            attempt => TryCommitAsync(workspaceId, request, attempt, alsoInTransaction, ct),
            attempts => $"Run {request.RunId} could not commit to dataset '{request.Dataset}' after {attempts} attempts: other commits kept winning.",
            ct);
    }

    /// <summary>
    /// Runs <paramref name="commit"/> (given its attempt number) again, after a short random
    /// wait, each time another commit to the dataset won the race; after
    /// <see cref="MaxCommitAttempts"/> losses, a <see cref="CommitConflictException"/> with
    /// <paramref name="gaveUp"/>'s message.
    /// </summary>
    private async Task<CommitResult> RetryLostRacesAsync(Func<int, Task<CommitResult>> commit, Func<int, string> gaveUp, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await commit(attempt);
            }
            catch (Exception e) when (attempt < MaxCommitAttempts && IsLostRace(e))
            {
                // Jitter so that two losers of the same race do not collide again in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20) * attempt), time, ct);
            }
            catch (Exception e) when (IsLostRace(e))
            {
                throw new CommitConflictException(gaveUp(attempt), e);
            }
        }
    }

    /// <summary>
    /// Commits a compaction: the dataset's next snapshot lists <paramref name="compacted"/> in
    /// place of <paramref name="removed"/>, which it was written from. Appends that committed
    /// after the compactor read its files are kept (the swap is redone on top of them), so a
    /// compaction never waits for ingest or holds it up. Rows, the last-load time and every older
    /// version stay as they were.
    /// </summary>
    /// <exception cref="CommitConflictException">
    /// A file to remove is no longer current (a replace or merge rewrote it, or another compaction
    /// took it), or the rows would change: the compacted file must be discarded.
    /// </exception>
    public async Task<CommitResult> CommitCompactionAsync(
        Guid workspaceId, string dataset, IReadOnlyList<string> removed, LakeFile compacted, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(compacted);
        var paths = removed.Distinct(StringComparer.Ordinal).ToArray();
        if (paths.Length < 2)
        {
            throw new ArgumentException($"A compaction of dataset '{dataset}' must replace at least two files, not {paths.Length}.", nameof(removed));
        }

        return await RetryLostRacesAsync(
            attempt => TryCommitCompactionAsync(workspaceId, dataset, paths, compacted, attempt, ct),
            attempts => $"A compaction of dataset '{dataset}' could not commit after {attempts} attempts: other commits kept winning.",
            ct);
    }

    /// <summary>
    /// After a commit lost its connection before PostgreSQL answered: whether it was made all the
    /// same, i.e. a snapshot of the dataset lists <paramref name="path"/> (relative to the lake), a
    /// file only that commit added. If it was, cached reads of the dataset move on as after any
    /// commit, which the lost answer never let happen.
    /// </summary>
    public async Task<bool> CommittedAllTheSameAsync(Guid workspaceId, string dataset, string path, CancellationToken ct = default)
    {
        bool listed;
        await using (var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct))
        await using (var command = tx.Command("SELECT EXISTS (SELECT 1 FROM snapshot_files WHERE workspace_id = @ws AND dataset = @dataset AND path = @path)")
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("path", path))
        {
            listed = (bool)(await command.ExecuteScalarAsync(ct))!;
        }

        if (listed)
        {
            await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        }

        return listed;
    }

    private async Task<CommitResult> TryCommitCompactionAsync(
        Guid workspaceId, string dataset, string[] removed, LakeFile compacted, int attempt, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        long parent, parentRows;
        await using (var read = tx.Command("""
            SELECT d.current_version, s.row_count
              FROM datasets d JOIN snapshots s ON s.workspace_id = d.workspace_id AND s.dataset = d.name AND s.version = d.current_version
             WHERE d.workspace_id = @ws AND d.name = @name
            """)
            .With("ws", workspaceId)
            .With("name", dataset))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                throw new CommitConflictException($"Dataset '{dataset}' has no current snapshot to compact.");
            }

            (parent, parentRows) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var version = parent + 1;
        await SnapshotWrites.InsertSnapshotAsync(tx, workspaceId, dataset, version, parent, null, "compact", time.GetUtcNow(), ct);

        await SnapshotWrites.CarryFilesForwardAsync(
            tx, workspaceId, dataset, removed, parent, version,
            $"The files a compaction of dataset '{dataset}' rewrote are no longer all current: another commit replaced them.",
            ct);

        await SnapshotWrites.AddFilesAsync(tx, workspaceId, dataset, version, [compacted], ct);

        var (rowCount, fileCount, bytes) = await SnapshotWrites.UpdateTotalsAsync(tx, workspaceId, dataset, version, ct);
        if (rowCount != parentRows)
        {
            // The compacted file does not hold exactly the rows of the files it replaces.
            throw new CommitConflictException(
                $"A compaction of dataset '{dataset}' would change its rows from {parentRows} to {rowCount}; it is discarded.");
        }

        // Not a load: the last-load time (freshness) and the description stay as the runs set them.
        await using (var move = tx.Command("""
            UPDATE datasets SET current_version = @version, bytes = @bytes
             WHERE workspace_id = @ws AND name = @name AND current_version = @expected
            """)
            .With("version", version)
            .With("bytes", bytes)
            .With("ws", workspaceId)
            .With("name", dataset)
            .With("expected", parent))
        {
            if (await move.ExecuteNonQueryAsync(ct) != 1)
            {
                throw new VersionMovedException();
            }
        }

        await tx.CommitAsync(ct);
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        return new CommitResult(version, parent, rowCount, fileCount, attempt);
    }

    private static bool IsLostRace(Exception e) => e switch
    {
        VersionMovedException => true,
        // Two commits read the same current version and both inserted its successor.
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "snapshots_pkey" } => true,
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } => true,
        _ => false,
    };

    private async Task<CommitResult> TryCommitAsync(
        Guid workspaceId,
        CommitRequest request,
        int attempt,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? alsoInTransaction,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);

        // Locking the run row makes commit and cancel mutually exclusive, and a second commit of
        // the same run (a recovered re-run) waits here and then finds it succeeded.
        string pipeline;
        await using (var run = tx.Command("SELECT status, pipeline, dataset FROM runs WHERE workspace_id = @ws AND id = @id FOR UPDATE")
            .With("ws", workspaceId)
            .With("id", request.RunId))
        await using (var reader = await run.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                throw new RunStateException($"Run {request.RunId} does not exist.");
            }

            var status = reader.GetString(0);
            if (status != "running")
            {
                throw new RunStateException($"Run {request.RunId} is {status}, not running: only a running run can commit.");
            }

            if (reader.GetString(2) != request.Dataset)
            {
                throw new RunStateException($"Run {request.RunId} loads dataset '{reader.GetString(2)}', not '{request.Dataset}'.");
            }

            pipeline = reader.GetString(1);
        }

        await using (var create = tx.Command("""
            INSERT INTO datasets (workspace_id, name, description, columns, expected_schedule, pipeline, created_at, updated_at)
            VALUES (@ws, @name, @description, @columns, @schedule, @pipeline, @now, @now)
            ON CONFLICT (workspace_id, name) DO NOTHING
            """)
            .With("ws", workspaceId)
            .With("name", request.Dataset)
            .With("description", request.Description, NpgsqlDbType.Text)
            .With("columns", CatalogJson.Columns(request.Columns ?? []), NpgsqlDbType.Jsonb)
            .With("schedule", request.ExpectedSchedule, NpgsqlDbType.Text)
            .With("pipeline", pipeline)
            .With("now", now))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        long? parent;
        IReadOnlyList<DatasetColumn> current;
        await using (var read = tx.Command("SELECT current_version, columns::text FROM datasets WHERE workspace_id = @ws AND name = @name")
            .With("ws", workspaceId)
            .With("name", request.Dataset))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            parent = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            current = CatalogJson.Columns(reader.GetString(1));
        }

        // Read with the version the optimistic check below holds this attempt to: a commit that
        // changes the columns after this read moves the version too, and the attempt is redone.
        var (columns, schemaChanges) = parent is not null && request.ColumnsOnTopOf is { } onTopOf
            ? onTopOf(current)
            : (request.Columns ?? [], request.SchemaChanges);

        var version = (parent ?? 0) + 1;
        await SnapshotWrites.InsertSnapshotAsync(tx, workspaceId, request.Dataset, version, parent, request.RunId, CatalogNames.ToDb(request.Mode), now, ct, schemaChanges);

        if (parent is not null && request.Mode != WriteMode.Replace)
        {
            // A merge rewrites files it changed; only a merge lists files to remove.
            var removed = request.Mode == WriteMode.Merge ? request.RemovedFiles.Distinct(StringComparer.Ordinal).ToArray() : [];
            await SnapshotWrites.CarryFilesForwardAsync(
                tx, workspaceId, request.Dataset, removed, parent.Value, version,
                $"Run {request.RunId} rewrote files of dataset '{request.Dataset}' that another commit has replaced since; the merge must run again.",
                ct);
        }

        try
        {
            await SnapshotWrites.AddFilesAsync(tx, workspaceId, request.Dataset, version, request.Files, ct);
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "snapshot_files_pkey" })
        {
            // Appending a path the dataset already has would count its rows twice.
            throw new ArgumentException($"Run {request.RunId} lists a file that dataset '{request.Dataset}' already contains: {e.Detail}", nameof(request), e);
        }

        var (rowCount, fileCount, bytes) = await SnapshotWrites.UpdateTotalsAsync(tx, workspaceId, request.Dataset, version, ct);

        // The optimistic check: if another commit moved the pointer since we read it, this
        // matches no row and the whole attempt is redone from a fresh read.
        await using (var move = tx.Command("""
            UPDATE datasets
               SET current_version = @version, row_count = @rows, bytes = @bytes, last_loaded_at = @now,
                   description = coalesce(@description, description), columns = @columns,
                   expected_schedule = coalesce(@schedule, expected_schedule), pipeline = @pipeline, updated_at = @now
             WHERE workspace_id = @ws AND name = @name AND current_version IS NOT DISTINCT FROM @expected
            """)
            .With("version", version)
            .With("rows", rowCount)
            .With("bytes", bytes)
            .With("now", now)
            .With("description", request.Description, NpgsqlDbType.Text)
            .With("columns", CatalogJson.Columns(columns), NpgsqlDbType.Jsonb)
            .With("schedule", request.ExpectedSchedule, NpgsqlDbType.Text)
            .With("pipeline", pipeline)
            .With("ws", workspaceId)
            .With("name", request.Dataset)
            .With("expected", parent, NpgsqlDbType.Bigint))
        {
            if (await move.ExecuteNonQueryAsync(ct) != 1)
            {
                throw new VersionMovedException();
            }
        }

        await DatasetMetadata.RefreshAsync(tx, workspaceId, request.Dataset, pipeline, ct);
        var stats = request.RunStats ?? RunStats.Empty;
        await using (var succeed = tx.Command("""
            UPDATE runs
               SET status = 'succeeded', finished_at = @now, snapshot_version = @version, error = NULL, error_step = NULL,
                   rows_read = @read, rows_loaded = @loaded, rows_rejected = @rejected, bytes = @bytes, step_durations = @durations
             WHERE workspace_id = @ws AND id = @id
            """)
            .With("now", now)
            .With("version", version)
            .WithStats(stats)
            .With("ws", workspaceId)
            .With("id", request.RunId))
        {
            await succeed.ExecuteNonQueryAsync(ct);
        }

        if (request.Watermark is not null)
        {
            await using var watermark = tx.Command("""
                INSERT INTO pipeline_watermarks (workspace_id, pipeline, value, run_id, updated_at)
                VALUES (@ws, @pipeline, @value, @run, @now)
                ON CONFLICT (workspace_id, pipeline) DO UPDATE
                   SET value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at
                """)
                .With("ws", workspaceId)
                .With("pipeline", pipeline)
                .With("value", request.Watermark)
                .With("run", request.RunId)
                .With("now", now);
            await watermark.ExecuteNonQueryAsync(ct);
        }

        if (alsoInTransaction is not null)
        {
            await alsoInTransaction(tx.Connection, tx.Transaction, ct);
        }

        await tx.CommitAsync(ct);
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
        return new CommitResult(version, parent, rowCount, fileCount, attempt);
    }
}
