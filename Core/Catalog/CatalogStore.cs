using System.Buffers.Binary;
using System.Buffers.Text;
using Ductus.Core.Lake;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// The PostgreSQL catalog: pipelines, runs, datasets and their snapshots. Every query filters
/// by workspace itself and also sets <c>ductus.workspace_id</c> for the row-level security
/// policies, so isolation holds whether the connection's role bypasses RLS or not (services
/// should connect as, or <c>SET ROLE</c> to, <c>ductus_app</c>, which does not).
/// </summary>
public sealed class CatalogStore(NpgsqlDataSource db, TimeProvider time, ICatalogVersions? versions = null)
{
    /// <summary>
    /// How long a cached read may be served under an unchanged token. Tokens change with every
    /// commit, so this only bounds the harm of a change whose new token never reached Redis.
    /// </summary>
    private static readonly TimeSpan MaxCacheAge = TimeSpan.FromSeconds(30);

    private const int MaxCachedRuns = 10_000;

    // Reads of the catalog's hottest paths (the dataset list behind every query and the catalog
    // endpoint, a run polled by its watchers) served from memory while the area's token is
    // unchanged: one Redis GET instead of a PostgreSQL statement.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Cached<IReadOnlyList<DatasetRecord>>> _datasets = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid, Guid), Cached<RunRecord>> _runs = new();

    private sealed record Cached<T>(string Token, long At, T Value);

    /// <summary>
    /// Commits race only against other commits to the same dataset, each a few milliseconds
    /// long, so a handful of retries outlasts any realistic burst of concurrent runs.
    /// </summary>
    private const int MaxCommitAttempts = 10;

    private const string RunColumns = """
        id, pipeline, dataset, status, trigger, replay_of, pipeline_version, attempt, created_at, started_at,
        finished_at, step_durations::text, rows_read, rows_loaded, rows_rejected, bytes, snapshot_version,
        error, error_step, node
        """;

    private const string DatasetColumns = """
        name, description, columns::text, current_version, row_count, bytes, last_loaded_at,
        expected_schedule, pipeline, created_at, updated_at
        """;

    private const string SnapshotColumns = """
        dataset, version, parent_version, run_id, operation, row_count, file_count, bytes, created_at
        """;

    // ---- workspaces ------------------------------------------------------------------------

    /// <summary>The id of the workspace with this name, creating it when missing.</summary>
    public async Task<Guid> EnsureWorkspaceAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // A concurrent creator makes our INSERT do nothing, and the statement's snapshot may
        // predate its row; the second pass then finds it.
        for (var pass = 0; ; pass++)
        {
            await using var command = db.CreateCommand("""
            WITH inserted AS (
                INSERT INTO workspaces (id, name, created_at) VALUES (@id, @name, @now)
                ON CONFLICT (name) DO NOTHING
                RETURNING id
            )
            SELECT id FROM inserted
            UNION ALL
            SELECT id FROM workspaces WHERE name = @name
            LIMIT 1
            """)
            .With("id", Guid.CreateVersion7(time.GetUtcNow()))
            .With("name", name)
            .With("now", time.GetUtcNow());
            if (await command.ExecuteScalarAsync(ct) is Guid id)
            {
                return id;
            }

            if (pass > 0)
            {
                throw new InvalidOperationException($"Workspace '{name}' could neither be created nor found.");
            }
        }
    }

    public async Task<Guid?> FindWorkspaceAsync(string name, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id FROM workspaces WHERE name = @name").With("name", name);
        return await command.ExecuteScalarAsync(ct) as Guid?;
    }

    /// <summary>The name of the workspace with this id, or null when there is none.</summary>
    public async Task<string?> WorkspaceNameAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT name FROM workspaces WHERE id = @id").With("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Every workspace (the table is not tenant data), for the services' sweeps across all of them.</summary>
    public async Task<IReadOnlyList<WorkspaceRecord>> ListWorkspacesAsync(CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id, name FROM workspaces ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var workspaces = new List<WorkspaceRecord>();
        while (await reader.ReadAsync(ct))
        {
            workspaces.Add(new WorkspaceRecord(reader.GetGuid(0), reader.GetString(1)));
        }

        return workspaces;
    }

    // ---- pipelines -------------------------------------------------------------------------

    /// <summary>
    /// Saves a pipeline's spec and returns its version. Saving the same spec again (a watched
    /// folder rescanned, a client retrying) keeps the version instead of minting a new one.
    /// </summary>
    public async Task<int> SavePipelineAsync(
        Guid workspaceId,
        string name,
        string specJson,
        string originalText,
        string format,
        string? schedule,
        string dataset,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        var now = time.GetUtcNow();
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var upsert = tx.Command("""
            INSERT INTO pipelines AS p (workspace_id, name, spec, original_text, format, version, schedule, dataset, created_at, updated_at)
            VALUES (@ws, @name, @spec, @text, @format, 1, @schedule, @dataset, @now, @now)
            ON CONFLICT (workspace_id, name) DO UPDATE
               SET spec = excluded.spec, original_text = excluded.original_text, format = excluded.format,
                   schedule = excluded.schedule, dataset = excluded.dataset,
                   version = p.version + 1, updated_at = excluded.updated_at
             WHERE (p.spec, p.original_text, p.format, p.schedule, p.dataset)
                   IS DISTINCT FROM (excluded.spec, excluded.original_text, excluded.format, excluded.schedule, excluded.dataset)
            RETURNING version
            """)
            .With("ws", workspaceId)
            .With("name", name)
            .With("spec", specJson, NpgsqlDbType.Jsonb)
            .With("text", originalText)
            .With("format", format)
            .With("schedule", schedule, NpgsqlDbType.Text)
            .With("dataset", dataset)
            .With("now", now);
        if (await upsert.ExecuteScalarAsync(ct) is not int version)
        {
            // Unchanged: the conflict's WHERE refused the update, and the row is ours to read.
            await using var current = tx.Command("SELECT version FROM pipelines WHERE workspace_id = @ws AND name = @name")
                .With("ws", workspaceId)
                .With("name", name);
            return (int)(await current.ExecuteScalarAsync(ct))!;
        }

        await using var history = tx.Command("""
            INSERT INTO pipeline_versions (workspace_id, pipeline, version, spec, original_text, format, schedule, dataset, created_at)
            VALUES (@ws, @name, @version, @spec, @text, @format, @schedule, @dataset, @now)
            """)
            .With("ws", workspaceId)
            .With("name", name)
            .With("version", version)
            .With("spec", specJson, NpgsqlDbType.Jsonb)
            .With("text", originalText)
            .With("format", format)
            .With("schedule", schedule, NpgsqlDbType.Text)
            .With("dataset", dataset)
            .With("now", now);
        await history.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return version;
    }

    public async Task<PipelineRecord?> GetPipelineAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        var found = await QueryPipelinesAsync(workspaceId, name, ct);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<PipelineRecord>> ListPipelinesAsync(Guid workspaceId, CancellationToken ct = default) =>
        QueryPipelinesAsync(workspaceId, null, ct);

    /// <summary>A past version of a pipeline's spec, as it was saved.</summary>
    public async Task<PipelineRecord?> GetPipelineVersionAsync(Guid workspaceId, string name, int version, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT v.pipeline, v.spec::text, v.original_text, v.format, v.version, v.schedule, v.dataset, p.enabled, v.created_at, v.created_at
              FROM pipeline_versions v JOIN pipelines p ON p.workspace_id = v.workspace_id AND p.name = v.pipeline
             WHERE v.workspace_id = @ws AND v.pipeline = @name AND v.version = @version
            """)
            .With("ws", workspaceId)
            .With("name", name)
            .With("version", version);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadPipeline(reader) : null;
    }

    /// <summary>Pauses or resumes a pipeline's schedule; false when there is no such pipeline.</summary>
    public async Task<bool> SetPipelineEnabledAsync(Guid workspaceId, string name, bool enabled, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            UPDATE pipelines SET enabled = @enabled, updated_at = @now WHERE workspace_id = @ws AND name = @name
            """)
            .With("enabled", enabled)
            .With("now", time.GetUtcNow())
            .With("ws", workspaceId)
            .With("name", name);
        var changed = await command.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        return changed;
    }

    /// <summary>
    /// Deletes a pipeline with its versions and watermark. Its runs and datasets stay: they are
    /// history and data, not configuration.
    /// </summary>
    public async Task<bool> DeletePipelineAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            WITH watermark AS (DELETE FROM pipeline_watermarks WHERE workspace_id = @ws AND pipeline = @name)
            DELETE FROM pipelines WHERE workspace_id = @ws AND name = @name
            """)
            .With("ws", workspaceId)
            .With("name", name);
        var deleted = await command.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>
    /// The workspace's pipeline cron triggers as the scheduler holds them, read through
    /// <c>ductus_pipeline_schedules()</c> (migration 0017): the Quartz tables are not readable by
    /// the services' role.
    /// </summary>
    public async Task<IReadOnlyList<ScheduledTrigger>> ListScheduledTriggersAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId,
            WorkspaceRead.Query("SELECT pipeline, cron, next_fire_ticks, state FROM ductus_pipeline_schedules() ORDER BY pipeline"), ct);
        var triggers = new List<ScheduledTrigger>();
        while (await read.Reader.ReadAsync(ct))
        {
            var ticks = read.Reader.NullableValue<long>(2);
            triggers.Add(new ScheduledTrigger(
                read.Reader.GetString(0),
                read.Reader.GetString(1),
                // Quartz.NET stores times as UTC ticks.
                ticks is > 0 and var t ? new DateTimeOffset(t, TimeSpan.Zero) : null,
                read.Reader.GetString(3)));
        }

        return triggers;
    }

    /// <summary>The last committed incremental cursor of a pipeline, or null before its first incremental run.</summary>
    public async Task<string?> GetWatermarkAsync(Guid workspaceId, string pipeline, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("SELECT value FROM pipeline_watermarks WHERE workspace_id = @ws AND pipeline = @pipeline")
            .With("ws", workspaceId)
            .With("pipeline", pipeline);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private async Task<IReadOnlyList<PipelineRecord>> QueryPipelinesAsync(Guid workspaceId, string? name, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT name, spec::text, original_text, format, version, schedule, dataset, enabled, created_at, updated_at
              FROM pipelines
             WHERE workspace_id = @ws AND (@name IS NULL OR name = @name)
             ORDER BY name
            """)
            .With("ws", workspaceId)
            .With("name", name, NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pipelines = new List<PipelineRecord>();
        while (await reader.ReadAsync(ct))
        {
            pipelines.Add(ReadPipeline(reader));
        }

        return pipelines;
    }

    private static PipelineRecord ReadPipeline(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.Nullable<string>(5), r.GetString(6),
        r.GetBoolean(7), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9));

    // ---- runs ------------------------------------------------------------------------------

    /// <summary>Records a new run, queued, against the pipeline's current version when it has one.</summary>
    public async Task<RunRecord> CreateRunAsync(
        Guid workspaceId,
        string pipeline,
        string dataset,
        RunTrigger trigger,
        Guid? replayOf = null,
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
        await tx.CommitAsync(ct);
        await ChangedAsync(workspaceId, CatalogArea.Runs);
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
        await ChangedAsync(workspaceId, CatalogArea.Runs);
        return run;
    }

    /// <summary>Records a run's failure; false when the run had already finished (e.g. it was cancelled).</summary>
    public async Task<bool> FailRunAsync(Guid workspaceId, Guid runId, string step, string error, RunStats stats, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stats);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            UPDATE runs
               SET status = 'failed', finished_at = @now, error = @error, error_step = @step,
                   rows_read = @read, rows_loaded = @loaded, rows_rejected = @rejected, bytes = @bytes,
                   step_durations = @durations
             WHERE workspace_id = @ws AND id = @id AND status IN ('queued', 'running')
            """)
            .With("now", time.GetUtcNow())
            .With("error", error)
            .With("step", step)
            .With("read", stats.RowsRead)
            .With("loaded", stats.RowsLoaded)
            .With("rejected", stats.RowsRejected)
            .With("bytes", stats.Bytes)
            .With("durations", CatalogJson.Durations(stats.StepDurations), NpgsqlDbType.Jsonb)
            .With("ws", workspaceId)
            .With("id", runId);
        var changed = await command.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        await ChangedAsync(workspaceId, CatalogArea.Runs);
        return changed;
    }

    /// <summary>
    /// Cancels a queued or running run; false when it had already finished. A commit in
    /// progress holds the run's row, so cancel and commit cannot both win.
    /// </summary>
    public async Task<bool> CancelRunAsync(Guid workspaceId, Guid runId, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            UPDATE runs SET status = 'cancelled', finished_at = @now
             WHERE workspace_id = @ws AND id = @id AND status IN ('queued', 'running')
            """)
            .With("now", time.GetUtcNow())
            .With("ws", workspaceId)
            .With("id", runId);
        var changed = await command.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        await ChangedAsync(workspaceId, CatalogArea.Runs);
        return changed;
    }

    public async Task<RunRecord?> GetRunAsync(Guid workspaceId, Guid runId, CancellationToken ct = default)
    {
        var token = versions is null ? null : await versions.CurrentAsync(workspaceId, CatalogArea.Runs);
        if (token is not null && _runs.TryGetValue((workspaceId, runId), out var hit) && IsFresh(hit, token))
        {
            return hit.Value;
        }

        RunRecord? run;
        await using (var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, WorkspaceRead.Query($"SELECT {RunColumns} FROM runs WHERE workspace_id = @ws AND id = @id")
            .With("ws", workspaceId)
            .With("id", runId), ct))
        {
            run = await read.Reader.ReadAsync(ct) ? ReadRun(read.Reader) : null;
        }

        if (token is not null && run is not null)
        {
            if (_runs.Count >= MaxCachedRuns)
            {
                _runs.Clear();
            }

            _runs[(workspaceId, runId)] = new Cached<RunRecord>(token, time.GetTimestamp(), run);
        }

        return run;
    }

    /// <summary>
    /// Runs newest first. The cursor is opaque to callers; it encodes the position of the last
    /// run of the previous page, so pages stay stable while new runs arrive.
    /// </summary>
    /// <exception cref="ArgumentException">The cursor was not made by this method.</exception>
    public async Task<RunPage> ListRunsAsync(Guid workspaceId, RunFilter filter, string? cursor, int limit, CancellationToken ct = default)
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

    private static RunRecord ReadRun(NpgsqlDataReader r) => new(
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

    // ---- commit ----------------------------------------------------------------------------

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
        await using (var snapshot = tx.Command("""
            INSERT INTO snapshots (workspace_id, dataset, version, parent_version, run_id, operation, row_count, file_count, bytes, created_at)
            VALUES (@ws, @dataset, @version, @parent, NULL, 'compact', 0, 0, 0, @now)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version)
            .With("parent", parent)
            .With("now", time.GetUtcNow()))
        {
            await snapshot.ExecuteNonQueryAsync(ct);
        }

        await CarryFilesForwardAsync(
            tx, workspaceId, dataset, removed, parent, version,
            $"The files a compaction of dataset '{dataset}' rewrote are no longer all current: another commit replaced them.",
            ct);

        await using (var file = tx.Command("""
            INSERT INTO snapshot_files (workspace_id, dataset, version, path, rows, bytes, stats)
            VALUES (@ws, @dataset, @version, @path, @rows, @bytes, @stats)
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version)
            .With("path", compacted.RelativePath)
            .With("rows", compacted.Rows)
            .With("bytes", compacted.Bytes)
            .With("stats", CatalogJson.Stats(compacted.Stats), NpgsqlDbType.Jsonb))
        {
            await file.ExecuteNonQueryAsync(ct);
        }

        var (rowCount, fileCount, bytes) = await UpdateTotalsAsync(tx, workspaceId, dataset, version, ct);
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
        await ChangedAsync(workspaceId, CatalogArea.Datasets);
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
        await using (var read = tx.Command("SELECT current_version FROM datasets WHERE workspace_id = @ws AND name = @name")
            .With("ws", workspaceId)
            .With("name", request.Dataset))
        {
            parent = await read.ExecuteScalarAsync(ct) as long?;
        }

        var version = (parent ?? 0) + 1;
        await using (var snapshot = tx.Command("""
            INSERT INTO snapshots (workspace_id, dataset, version, parent_version, run_id, operation, row_count, file_count, bytes, created_at)
            VALUES (@ws, @dataset, @version, @parent, @run, @operation, 0, 0, 0, @now)
            """)
            .With("ws", workspaceId)
            .With("dataset", request.Dataset)
            .With("version", version)
            .With("parent", parent, NpgsqlDbType.Bigint)
            .With("run", request.RunId)
            .With("operation", CatalogNames.ToDb(request.Mode))
            .With("now", now))
        {
            await snapshot.ExecuteNonQueryAsync(ct);
        }

        if (parent is not null && request.Mode != WriteMode.Replace)
        {
            // A merge rewrites files it changed; only a merge lists files to remove.
            var removed = request.Mode == WriteMode.Merge ? request.RemovedFiles.Distinct(StringComparer.Ordinal).ToArray() : [];
            await CarryFilesForwardAsync(
                tx, workspaceId, request.Dataset, removed, parent.Value, version,
                $"Run {request.RunId} rewrote files of dataset '{request.Dataset}' that another commit has replaced since; the merge must run again.",
                ct);
        }

        await using (var files = tx.Command("""
            INSERT INTO snapshot_files (workspace_id, dataset, version, path, rows, bytes, stats)
            SELECT @ws, @dataset, @version, f.path, f.rows, f.bytes, f.stats
              FROM unnest(@paths, @rows, @bytes, @stats) AS f(path, rows, bytes, stats)
            """)
            .With("ws", workspaceId)
            .With("dataset", request.Dataset)
            .With("version", version)
            .With("paths", request.Files.Select(f => f.RelativePath).ToArray())
            .With("rows", request.Files.Select(f => f.Rows).ToArray())
            .With("bytes", request.Files.Select(f => f.Bytes).ToArray())
            .With("stats", request.Files.Select(f => CatalogJson.Stats(f.Stats)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Jsonb))
        {
            try
            {
                await files.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "snapshot_files_pkey" })
            {
                // Appending a path the dataset already has would count its rows twice.
                throw new ArgumentException($"Run {request.RunId} lists a file that dataset '{request.Dataset}' already contains: {e.Detail}", nameof(request), e);
            }
        }

        var (rowCount, fileCount, bytes) = await UpdateTotalsAsync(tx, workspaceId, request.Dataset, version, ct);

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
            .With("columns", CatalogJson.Columns(request.Columns ?? []), NpgsqlDbType.Jsonb)
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

        var stats = request.RunStats ?? RunStats.Empty;
        await using (var succeed = tx.Command("""
            UPDATE runs
               SET status = 'succeeded', finished_at = @now, snapshot_version = @version, error = NULL, error_step = NULL,
                   rows_read = @read, rows_loaded = @loaded, rows_rejected = @rejected, bytes = @bytes, step_durations = @durations
             WHERE workspace_id = @ws AND id = @id
            """)
            .With("now", now)
            .With("version", version)
            .With("read", stats.RowsRead)
            .With("loaded", stats.RowsLoaded)
            .With("rejected", stats.RowsRejected)
            .With("bytes", stats.Bytes)
            .With("durations", CatalogJson.Durations(stats.StepDurations), NpgsqlDbType.Jsonb)
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
        await ChangedAsync(workspaceId, CatalogArea.Datasets);
        await ChangedAsync(workspaceId, CatalogArea.Runs);
        return new CommitResult(version, parent, rowCount, fileCount, attempt);
    }

    /// <summary>
    /// Lists the parent's files in the new version, less <paramref name="removed"/>. Every removed
    /// file must still be in the parent: if one is gone, another commit replaced it meanwhile,
    /// and carrying on would lose that change or list rows twice.
    /// </summary>
    private static async Task CarryFilesForwardAsync(
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
    private static async Task<(long Rows, int Files, long Bytes)> UpdateTotalsAsync(
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

    /// <summary>Signals, inside one attempt, that the current-version pointer moved under us.</summary>
    private sealed class VersionMovedException : Exception
    {
        public VersionMovedException()
            : base("The dataset's current version moved during the commit.")
        {
        }
    }

    // ---- datasets and snapshots ------------------------------------------------------------

    public async Task<DatasetRecord?> GetDatasetAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        if (versions is not null)
        {
            // The list is what is cached; a workspace has few datasets.
            return (await ListDatasetsAsync(workspaceId, ct)).FirstOrDefault(d => d.Name == name);
        }

        var found = await QueryDatasetsAsync(workspaceId, name, ct);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<DatasetRecord>> ListDatasetsAsync(Guid workspaceId, CancellationToken ct = default)
    {
        var token = versions is null ? null : await versions.CurrentAsync(workspaceId, CatalogArea.Datasets);
        if (token is not null && _datasets.TryGetValue(workspaceId, out var hit) && IsFresh(hit, token))
        {
            return hit.Value;
        }

        var datasets = await QueryDatasetsAsync(workspaceId, null, ct);
        if (token is not null)
        {
            _datasets[workspaceId] = new Cached<IReadOnlyList<DatasetRecord>>(token, time.GetTimestamp(), datasets);
        }

        return datasets;
    }

    private bool IsFresh<T>(Cached<T> entry, string token) =>
        entry.Token == token && time.GetElapsedTime(entry.At) < MaxCacheAge;

    /// <summary>
    /// After a commit: forget this process's cached reads of the area at once (its own next read
    /// must see the change even if Redis is unreachable), then move the shared token.
    /// </summary>
    private async Task ChangedAsync(Guid workspaceId, CatalogArea area)
    {
        if (area == CatalogArea.Datasets)
        {
            _datasets.TryRemove(workspaceId, out _);
        }
        else
        {
            foreach (var key in _runs.Keys)
            {
                if (key.Item1 == workspaceId)
                {
                    _runs.TryRemove(key, out _);
                }
            }
        }

        if (versions is not null)
        {
            await versions.ChangedAsync(workspaceId, area);
        }
    }

    /// <summary>
    /// A snapshot with its files: the current one when <paramref name="version"/> is null, else
    /// that version (time travel). Null when the dataset has no such snapshot (never committed,
    /// or expired by retention).
    /// </summary>
    public async Task<SnapshotDetail?> GetSnapshotAsync(Guid workspaceId, string dataset, long? version, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        SnapshotRecord snapshot;
        await using (var command = tx.Command($"""
            SELECT {SnapshotColumns}
              FROM snapshots
             WHERE workspace_id = @ws AND dataset = @dataset
               AND version = coalesce(@version, (SELECT current_version FROM datasets WHERE workspace_id = @ws AND name = @dataset))
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version, NpgsqlDbType.Bigint))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            snapshot = ReadSnapshot(reader);
        }

        await using var files = tx.Command("""
            SELECT path, rows, bytes, stats::text FROM snapshot_files
             WHERE workspace_id = @ws AND dataset = @dataset AND version = @version
             ORDER BY path
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", snapshot.Version);
        await using var fileReader = await files.ExecuteReaderAsync(ct);
        var list = new List<LakeFile>(snapshot.FileCount);
        while (await fileReader.ReadAsync(ct))
        {
            list.Add(new LakeFile(fileReader.GetString(0), fileReader.GetInt64(1), fileReader.GetInt64(2), CatalogJson.Stats(fileReader.GetString(3))));
        }

        return new SnapshotDetail(snapshot, list);
    }

    /// <summary>The dataset's snapshots, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotRecord>> ListSnapshotsAsync(Guid workspaceId, string dataset, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT {SnapshotColumns} FROM snapshots WHERE workspace_id = @ws AND dataset = @dataset ORDER BY version DESC
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var snapshots = new List<SnapshotRecord>();
        while (await reader.ReadAsync(ct))
        {
            snapshots.Add(ReadSnapshot(reader));
        }

        return snapshots;
    }

    private async Task<IReadOnlyList<DatasetRecord>> QueryDatasetsAsync(Guid workspaceId, string? name, CancellationToken ct)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, WorkspaceRead.Query($"""
            SELECT {DatasetColumns} FROM datasets
             WHERE workspace_id = @ws AND (@name IS NULL OR name = @name)
             ORDER BY name
            """)
            .With("ws", workspaceId)
            .With("name", name, NpgsqlDbType.Text), ct);
        var reader = read.Reader;
        var datasets = new List<DatasetRecord>();
        while (await reader.ReadAsync(ct))
        {
            datasets.Add(new DatasetRecord(
                Name: reader.GetString(0),
                Description: reader.Nullable<string>(1),
                Columns: CatalogJson.Columns(reader.GetString(2)),
                CurrentVersion: reader.NullableValue<long>(3),
                RowCount: reader.GetInt64(4),
                Bytes: reader.GetInt64(5),
                LastLoadedAt: reader.NullableValue<DateTimeOffset>(6),
                ExpectedSchedule: reader.Nullable<string>(7),
                Pipeline: reader.Nullable<string>(8),
                CreatedAt: reader.GetFieldValue<DateTimeOffset>(9),
                UpdatedAt: reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return datasets;
    }

    private static SnapshotRecord ReadSnapshot(NpgsqlDataReader r) => new(
        Dataset: r.GetString(0),
        Version: r.GetInt64(1),
        ParentVersion: r.NullableValue<long>(2),
        RunId: r.NullableValue<Guid>(3),
        Operation: CatalogNames.Operation(r.GetString(4)),
        RowCount: r.GetInt64(5),
        FileCount: r.GetInt32(6),
        Bytes: r.GetInt64(7),
        CreatedAt: r.GetFieldValue<DateTimeOffset>(8));
}
