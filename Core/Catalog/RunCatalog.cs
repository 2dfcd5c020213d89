using System.Buffers.Binary;
using System.Buffers.Text;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// Runs: their lifecycle up to the commit (queued, running, failed, cancelled; success is the
/// snapshot commit's, <see cref="SnapshotCommitter"/>), a run by id (cached) and the paged
/// listing. Every change moves the workspace's runs token.
/// </summary>
public sealed class RunCatalog(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    internal const string RunColumns = """
        id, pipeline, dataset, status, trigger, replay_of, pipeline_version, attempt, created_at, started_at,
        finished_at, step_durations::text, rows_read, rows_loaded, rows_rejected, bytes, snapshot_version,
        error, error_step, node
        """;

    /// <summary>Records a new run, queued, against the pipeline's current version when it has one.</summary>
    /// <param name="audit">Who asked for the run (<see cref="AuditActions.RunTriggered"/> or <see cref="AuditActions.RunReplayed"/>); the store adds the run's id and version.</param>
    public async Task<RunRecord> CreateAsync(
        Guid workspaceId,
        string pipeline,
        string dataset,
        RunTrigger trigger,
        Guid? replayOf = null,
        AuditEntry? audit = null,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        var now = time.GetUtcNow();
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            INSERT INTO runs (id, workspace_id, pipeline, dataset, status, trigger, replay_of, pipeline_version, created_at)
            VALUES (@id, @ws, @pipeline, @dataset, 'queued', @trigger, @replay_of,
                    (SELECT version FROM pipelines WHERE workspace_id = @ws AND name = @pipeline), @now)
            RETURNING {RunColumns}
            """)
            .With("id", Guid.CreateVersion7(now))
            .With("ws", workspaceId)
            .With("pipeline", pipeline)
            .With("dataset", dataset)
            .With("trigger", CatalogNames.ToDb(trigger))
            .With("replay_of", replayOf, NpgsqlDbType.Uuid)
            .With("now", now);
        var run = await SingleRunAsync(command, ct) ?? throw new InvalidOperationException("INSERT ... RETURNING returned no run.");
        await AuditLog.WriteAsync(tx, workspaceId, audit.With(null, new
        {
            runId = run.Id,
            trigger = CatalogNames.ToDb(trigger),
            run.PipelineVersion,
            run.ReplayOf,
        }), ct);
        await tx.CommitAsync(ct);
        await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
        return run;
    }

    /// <summary>
    /// Marks a run running on <paramref name="node"/> and counts the attempt. A run already
    /// running may be marked again: that is a retry, or a recovery on another node after the
    /// first one died.
    /// </summary>
    /// <exception cref="RunStateException">The run is missing or already finished.</exception>
    public async Task<RunRecord> MarkRunningAsync(Guid workspaceId, Guid runId, string? node = null, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            UPDATE runs SET status = 'running', attempt = attempt + 1, started_at = @now, node = @node
             WHERE workspace_id = @ws AND id = @id AND status IN ('queued', 'running')
            RETURNING {RunColumns}
            """)
            .With("now", time.GetUtcNow())
            .With("node", node, NpgsqlDbType.Text)
            .With("ws", workspaceId)
            .With("id", runId);
        var run = await SingleRunAsync(command, ct)
            ?? throw new RunStateException($"Run {runId} cannot start: it does not exist or has already finished.");
        await tx.CommitAsync(ct);
        await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
        return run;
    }

    /// <summary>Records a run's failure; false when the run had already finished (e.g. it was cancelled).</summary>
    public Task<bool> FailAsync(Guid workspaceId, Guid runId, string step, string error, RunStats stats, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return FinishAsync(workspaceId, runId, """
            UPDATE runs
               SET status = 'failed', finished_at = @now, error = @error, error_step = @step,
                   rows_read = @read, rows_loaded = @loaded, rows_rejected = @rejected, bytes = @bytes,
                   step_durations = @durations
             WHERE workspace_id = @ws AND id = @id AND status IN ('queued', 'running')
            """,
            command => command
                .With("error", error)
                .With("step", step)
                .WithStats(stats),
            null,
            ct);
    }

    /// <summary>
    /// Cancels a queued or running run; false when it had already finished. A commit in
    /// progress holds the run's row, so cancel and commit cannot both win.
    /// </summary>
    /// <param name="audit">Who cancelled it; written only when the run was cancelled.</param>
    public Task<bool> CancelAsync(Guid workspaceId, Guid runId, AuditEntry? audit = null, CancellationToken ct = default) =>
        FinishAsync(workspaceId, runId, """
            UPDATE runs SET status = 'cancelled', finished_at = @now
             WHERE workspace_id = @ws AND id = @id AND status IN ('queued', 'running')
            """,
            command => command,
            audit.With(null, new { runId, status = "cancelled" }),
            ct);

    public Task<RunRecord?> GetAsync(Guid workspaceId, Guid runId, CancellationToken ct = default) =>
        cache.RunAsync(workspaceId, runId, async () =>
        {
            await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, WorkspaceRead.Query($"SELECT {RunColumns} FROM runs WHERE workspace_id = @ws AND id = @id")
                .With("ws", workspaceId)
                .With("id", runId), ct);
            return await read.Reader.ReadAsync(ct) ? ReadRun(read.Reader) : null;
        });

    /// <summary>
    /// Runs newest first. The cursor is opaque to callers; it encodes the position of the last
    /// run of the previous page, so pages stay stable while new runs arrive.
    /// </summary>
    /// <exception cref="ArgumentException">The cursor was not made by this method.</exception>
    public async Task<RunPage> ListAsync(Guid workspaceId, RunFilter filter, string? cursor, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var after = cursor is null ? ((DateTimeOffset, Guid)?)null : DecodeCursor(cursor);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT {RunColumns}
              FROM runs
             WHERE workspace_id = @ws
               AND (@pipeline IS NULL OR pipeline = @pipeline)
               AND (@status IS NULL OR status = @status)
               AND (@dataset IS NULL OR dataset = @dataset)
               AND (@after_at IS NULL OR (created_at, id) < (@after_at, @after_id))
             ORDER BY created_at DESC, id DESC
             LIMIT @limit
            """)
            .With("ws", workspaceId)
            .With("pipeline", filter.Pipeline, NpgsqlDbType.Text)
            .With("status", filter.Status is { } s ? CatalogNames.ToDb(s) : null, NpgsqlDbType.Text)
            .With("dataset", filter.Dataset, NpgsqlDbType.Text)
            .With("after_at", after?.Item1, NpgsqlDbType.TimestampTz)
            .With("after_id", after?.Item2, NpgsqlDbType.Uuid)
            .With("limit", limit + 1);
        var runs = new List<RunRecord>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                runs.Add(ReadRun(reader));
            }
        }

        if (runs.Count <= limit)
        {
            return new RunPage(runs, null);
        }

        runs.RemoveAt(limit);
        return new RunPage(runs, EncodeCursor(runs[^1].CreatedAt, runs[^1].Id));
    }

    /// <summary>
    /// Runs <paramref name="update"/>, which ends the unfinished run <c>@id</c> of <c>@ws</c> at
    /// <c>@now</c>, with the parameters <paramref name="parameters"/> adds; false when no run
    /// was left to end.
    /// </summary>
    private async Task<bool> FinishAsync(
        Guid workspaceId, Guid runId, string update, Func<NpgsqlCommand, NpgsqlCommand> parameters, AuditEntry? audit, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = parameters(tx.Command(update))
            .With("now", time.GetUtcNow())
            .With("ws", workspaceId)
            .With("id", runId);
        var changed = await command.ExecuteNonQueryAsync(ct) == 1;
        if (changed)
        {
            await AuditLog.WriteAsync(tx, workspaceId, audit, ct);
        }

        await tx.CommitAsync(ct);
        await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
        return changed;
    }

    private static string EncodeCursor(DateTimeOffset createdAt, Guid id)
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, createdAt.UtcTicks);
        id.TryWriteBytes(bytes[8..]);
        return Base64Url.EncodeToString(bytes);
    }

    private static (DateTimeOffset, Guid) DecodeCursor(string cursor)
    {
        Span<byte> bytes = stackalloc byte[24];
        if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written != 24)
        {
            throw new ArgumentException("The cursor is not one this service returned.", nameof(cursor));
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new ArgumentException("The cursor is not one this service returned.", nameof(cursor));
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..]));
    }

    private static async Task<RunRecord?> SingleRunAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadRun(reader) : null;
    }

    internal static RunRecord ReadRun(NpgsqlDataReader r) => new(
        Id: r.GetGuid(0),
        Pipeline: r.GetString(1),
        Dataset: r.GetString(2),
        Status: CatalogNames.Status(r.GetString(3)),
        Trigger: CatalogNames.Trigger(r.GetString(4)),
        ReplayOf: r.NullableValue<Guid>(5),
        PipelineVersion: r.NullableValue<int>(6),
        Attempt: r.GetInt32(7),
        CreatedAt: r.GetFieldValue<DateTimeOffset>(8),
        StartedAt: r.NullableValue<DateTimeOffset>(9),
        FinishedAt: r.NullableValue<DateTimeOffset>(10),
        StepDurations: CatalogJson.Durations(r.GetString(11)),
        RowsRead: r.GetInt64(12),
        RowsLoaded: r.GetInt64(13),
        RowsRejected: r.GetInt64(14),
        Bytes: r.GetInt64(15),
        SnapshotVersion: r.NullableValue<long>(16),
        Error: r.Nullable<string>(17),
        ErrorStep: r.Nullable<string>(18),
        Node: r.Nullable<string>(19));
}
