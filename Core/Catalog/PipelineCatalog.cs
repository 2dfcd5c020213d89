using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// A workspace's pipelines: their specs and every saved version, whether each is enabled, the
/// incremental watermark a commit leaves, and the cron triggers the scheduler holds for them.
/// </summary>
public sealed class PipelineCatalog(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    private const string Table = "pipelines";

    /// <summary>
    /// Saves a pipeline's spec and returns its version. Saving the same spec again (a watched
    /// folder rescanned, a client retrying) keeps the version instead of minting a new one, and
    /// writes no audit row: nothing changed.
    /// </summary>
    /// <param name="audit">Who saved it; the store sets the action (created or updated) and adds the versions and the spec keys that changed.</param>
    /// <exception cref="ArchivedNameException">A pipeline of this name is archived.</exception>
    public async Task<int> SaveAsync(
        Guid workspaceId,
        string name,
        string specJson,
        string originalText,
        string format,
        string? schedule,
        string dataset,
        IReadOnlyList<string>? inputs = null,
        AuditEntry? audit = null,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        var now = time.GetUtcNow();
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        (string Spec, int Version)? previous = null;
        await using (var read = tx.Command("SELECT spec::text, version, archived_at IS NOT NULL FROM pipelines WHERE workspace_id = @ws AND name = @name FOR UPDATE")
            .With("ws", workspaceId)
            .With("name", name))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(2))
                {
                    throw new ArchivedNameException(name);
                }

                previous = (reader.GetString(0), reader.GetInt32(1));
            }
        }

        await using var upsert = WithSpec(tx.Command("""
            INSERT INTO pipelines AS p (workspace_id, name, spec, original_text, format, version, schedule, dataset, inputs, created_at, updated_at)
            VALUES (@ws, @name, @spec, @text, @format, 1, @schedule, @dataset, @inputs, @now, @now)
            ON CONFLICT (workspace_id, name) DO UPDATE
               SET spec = excluded.spec, original_text = excluded.original_text, format = excluded.format,
                   schedule = excluded.schedule, dataset = excluded.dataset, inputs = excluded.inputs,
                   version = p.version + 1, updated_at = excluded.updated_at
             WHERE p.archived_at IS NULL
               AND (p.spec, p.original_text, p.format, p.schedule, p.dataset, p.inputs)
                   IS DISTINCT FROM (excluded.spec, excluded.original_text, excluded.format, excluded.schedule, excluded.dataset, excluded.inputs)
            RETURNING version
            """).With("inputs", (inputs ?? []).ToArray()));
        if (await upsert.ExecuteScalarAsync(ct) is not int version)
        {
            // Unchanged: the conflict's WHERE refused the update, and the row is ours to read.
            await using var current = tx.Command("SELECT version FROM pipelines WHERE workspace_id = @ws AND name = @name")
                .With("ws", workspaceId)
                .With("name", name);
            return (int)(await current.ExecuteScalarAsync(ct))!;
        }

        await using var history = WithSpec(tx.Command("""
            INSERT INTO pipeline_versions (workspace_id, pipeline, version, spec, original_text, format, schedule, dataset, created_at)
            VALUES (@ws, @name, @version, @spec, @text, @format, @schedule, @dataset, @now)
            """))
            .With("version", version);
        await history.ExecuteNonQueryAsync(ct);
        await DatasetMetadata.RefreshAsync(tx, workspaceId, dataset, name, ct);
        // A save of a name with no row creates the pipeline, of an existing one updates it: the
        // store knows which, so it names the action.
        var entry = previous is { } old
            ? audit.With(new { old.Version }, new { version, schedule, dataset, changed = AuditLog.ChangedKeys(old.Spec, specJson) })
            : audit.With(null, new { version, schedule, dataset });
        await AuditLog.WriteAsync(tx, workspaceId, entry is null ? null : entry with
        {
            Action = previous is null ? AuditActions.PipelineCreated : AuditActions.PipelineUpdated,
        }, ct);
        await tx.CommitAsync(ct);
        // Every change counts, not only the dataset's own pipeline's: the listed datasets carry
        // the freshness SLA of whichever pipeline loads them (DatasetSla).
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        return version;

        // The pipeline row and its history row are written from the same values.
        NpgsqlCommand WithSpec(NpgsqlCommand command) => command
            .With("ws", workspaceId)
            .With("name", name)
            .With("spec", specJson, NpgsqlDbType.Jsonb)
            .With("text", originalText)
            .With("format", format)
            .With("schedule", schedule, NpgsqlDbType.Text)
            .With("dataset", dataset)
            .With("now", now);
    }

    public async Task<PipelineRecord?> GetAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        var found = await QueryPipelinesAsync(workspaceId, name, ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The workspace's pipelines, archived ones left out; cached like the dataset list (<see cref="CatalogCache"/>).</summary>
    public Task<IReadOnlyList<PipelineRecord>> ListAsync(Guid workspaceId, CancellationToken ct = default) =>
        cache.PipelinesAsync(workspaceId, () => QueryPipelinesAsync(workspaceId, null, ct));

    /// <summary>A past version of a pipeline's spec, as it was saved.</summary>
    public async Task<PipelineRecord?> GetVersionAsync(Guid workspaceId, string name, int version, CancellationToken ct = default)
    {
        var found = await QueryVersionsAsync(workspaceId, name, version, ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Every saved version of a pipeline's spec, newest first (<see cref="PipelineRecord.CreatedAt"/> is when each was saved); empty when there is no such pipeline.</summary>
    public Task<IReadOnlyList<PipelineRecord>> ListVersionsAsync(Guid workspaceId, string name, CancellationToken ct = default) =>
        QueryVersionsAsync(workspaceId, name, null, ct);

    private async Task<IReadOnlyList<PipelineRecord>> QueryVersionsAsync(Guid workspaceId, string name, int? version, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT v.pipeline, v.spec::text, v.original_text, v.format, v.version, v.schedule, v.dataset, p.enabled, v.created_at, v.created_at
              FROM pipeline_versions v JOIN pipelines p ON p.workspace_id = v.workspace_id AND p.name = v.pipeline
             WHERE v.workspace_id = @ws AND v.pipeline = @name AND (@version IS NULL OR v.version = @version) AND p.archived_at IS NULL
             ORDER BY v.version DESC
            """)
            .With("ws", workspaceId)
            .With("name", name)
            .With("version", version, NpgsqlDbType.Integer);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new List<PipelineRecord>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(ReadPipeline(reader));
        }

        return versions;
    }

    /// <summary>Pauses or resumes a pipeline's schedule; false when there is no such pipeline.</summary>
    /// <param name="audit">Who did it; the store names the action (enabled or disabled), written only when the state changed.</param>
    public async Task<bool> SetEnabledAsync(Guid workspaceId, string name, bool enabled, AuditEntry? audit = null, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            WITH old AS (
                SELECT enabled FROM pipelines WHERE workspace_id = @ws AND name = @name AND archived_at IS NULL FOR UPDATE
            )
            UPDATE pipelines p SET enabled = @enabled, updated_at = @now FROM old
             WHERE p.workspace_id = @ws AND p.name = @name
            RETURNING old.enabled
            """)
            .With("enabled", enabled)
            .With("now", time.GetUtcNow())
            .With("ws", workspaceId)
            .With("name", name);
        if (await command.ExecuteScalarAsync(ct) is not bool was)
        {
            return false;
        }

        if (was != enabled && audit is not null)
        {
            await AuditLog.WriteAsync(tx, workspaceId, audit.With(new { enabled = was }, new { enabled })! with
            {
                Action = enabled ? AuditActions.PipelineEnabled : AuditActions.PipelineDisabled,
            }, ct);
        }

        await tx.CommitAsync(ct);
        // The cached pipeline list holds enabled and updated_at, and a paused pipeline sets no
        // dataset's freshness SLA (DatasetSla).
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        return true;
    }

    /// <summary>
    /// Archives a pipeline: hidden from every list and lookup, so its schedule stops, while its
    /// versions, watermark, runs and rejects stay. False when there is no such pipeline.
    /// </summary>
    public async Task<bool> ArchiveAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        await SlasChangedAsync(workspaceId, await Archiving.ArchiveAsync(db, Table, workspaceId, name, audit, time.GetUtcNow(), ct));

    /// <summary>Brings an archived pipeline back, at the version it was archived at.</summary>
    public async Task<ArchiveOutcome> RestoreAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        await SlasChangedAsync(workspaceId, await Archiving.RestoreAsync(db, Table, workspaceId, name, audit, ct));

    /// <summary>An archived or restored pipeline leaves or joins the pipeline list and stops or starts setting its dataset's freshness SLA: the cached lists are forgotten.</summary>
    private async Task<T> SlasChangedAsync<T>(Guid workspaceId, T outcome)
    {
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        return outcome;
    }

    /// <summary>
    /// Deletes an archived pipeline for good: its versions, watermark, runs and their rejects.
    /// Its dataset stays: data has an archive of its own.
    /// </summary>
    public Task<ArchiveOutcome> PurgeAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        Archiving.PurgeAsync(db, Table, workspaceId, name, audit, async tx =>
        {
            await using var command = tx.Command("""
                WITH watermark AS (DELETE FROM pipeline_watermarks WHERE workspace_id = @ws AND pipeline = @name),
                     gone_runs AS (DELETE FROM runs WHERE workspace_id = @ws AND pipeline = @name RETURNING rows_rejected),
                     gone AS (DELETE FROM pipelines WHERE workspace_id = @ws AND name = @name RETURNING version)
                SELECT (SELECT count(*) FROM gone_runs), (SELECT coalesce(sum(rows_rejected), 0)::bigint FROM gone_runs), (SELECT version FROM gone)
                """)
                .With("ws", workspaceId)
                .With("name", name);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new { runs = reader.GetInt64(0), rejects = reader.GetInt64(1), versions = reader.GetInt32(2) };
        }, ct);

    /// <summary>Pipelines archived before <paramref name="before"/>: what retention purges.</summary>
    public Task<IReadOnlyList<ArchivedItem>> ListArchivedAsync(Guid workspaceId, DateTimeOffset before, CancellationToken ct = default) =>
        Archiving.ListAsync(db, Table, workspaceId, before, ct);

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
            SELECT name, spec::text, original_text, format, version, schedule, dataset, enabled, created_at, updated_at, inputs
              FROM pipelines
             WHERE workspace_id = @ws AND (@name IS NULL OR name = @name) AND archived_at IS NULL
             ORDER BY name
            """)
            .With("ws", workspaceId)
            .With("name", name, NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pipelines = new List<PipelineRecord>();
        while (await reader.ReadAsync(ct))
        {
            pipelines.Add(ReadPipeline(reader) with { Inputs = reader.GetFieldValue<string[]>(10) });
        }

        return pipelines;
    }

    private static PipelineRecord ReadPipeline(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.Nullable<string>(5), r.GetString(6),
        r.GetBoolean(7), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9));
}
