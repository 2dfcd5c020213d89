using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// What models need of the catalog beyond other pipelines: the input snapshots a run pinned, and
/// the runs a commit queues downstream. A model's inputs themselves are stored with its spec
/// (<see cref="PipelineRecord.Inputs"/>).
/// </summary>
public sealed class ModelCatalog(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    /// <summary>
    /// Records the snapshot of each input a run read and, when given, how it builds; a retry of
    /// the run pins again, replacing both.
    /// </summary>
    public async Task RecordInputsAsync(Guid workspaceId, Guid runId, IReadOnlyList<RunInput> inputs, ModelBuildRecord? build = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using (var clear = tx.Command("""
            DELETE FROM run_inputs WHERE workspace_id = @ws AND run_id = @run;
            DELETE FROM model_builds WHERE workspace_id = @ws AND run_id = @run;
            """).With("ws", workspaceId).With("run", runId))
        {
            await clear.ExecuteNonQueryAsync(ct);
        }

        if (build is not null)
        {
            await using var record = tx.Command("""
                INSERT INTO model_builds (workspace_id, run_id, build, reason, fingerprint, driving, files_read)
                VALUES (@ws, @run, @build, @reason, @fingerprint, @driving, @files)
                """)
                .With("ws", workspaceId)
                .With("run", runId)
                .With("build", build.Incremental ? "incremental" : "full")
                .With("reason", build.Reason)
                .With("fingerprint", build.Fingerprint)
                .With("driving", build.Driving, NpgsqlTypes.NpgsqlDbType.Text)
                .With("files", build.FilesRead);
            await record.ExecuteNonQueryAsync(ct);
        }

        await using (var insert = tx.Command("""
            INSERT INTO run_inputs (workspace_id, run_id, dataset, version)
            SELECT @ws, @run, dataset, version FROM unnest(@datasets, @versions) AS i (dataset, version)
            """)
            .With("ws", workspaceId)
            .With("run", runId)
            .With("datasets", inputs.Select(i => i.Dataset).ToArray())
            .With("versions", inputs.Select(i => i.Version).ToArray()))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        // The run's page shows these from the cached runs' area.
        await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
    }

    /// <summary>
    /// What a model's run read and how it built, in one round trip (a run's page asks for both on
    /// every read): the input snapshots it pinned (empty for other runs and before a model's run
    /// starts) and its build (null for other runs and for runs before 0022).
    /// </summary>
    public Task<ModelRunRecord> OfRunAsync(Guid workspaceId, Guid runId, CancellationToken ct = default) =>
        cache.ModelRunAsync(workspaceId, runId, () => QueryOfRunAsync(workspaceId, runId, ct));

    private async Task<ModelRunRecord> QueryOfRunAsync(Guid workspaceId, Guid runId, CancellationToken ct)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, WorkspaceRead.Query("""
            SELECT b.build, b.reason, b.fingerprint, b.driving, b.files_read,
                   coalesce(i.datasets, '{}'), coalesce(i.versions, '{}')
              FROM (SELECT array_agg(dataset ORDER BY dataset) AS datasets, array_agg(version ORDER BY dataset) AS versions
                      FROM run_inputs WHERE workspace_id = @ws AND run_id = @run) AS i
              LEFT JOIN model_builds b ON b.workspace_id = @ws AND b.run_id = @run
            """)
            .With("ws", workspaceId)
            .With("run", runId), ct);
        var r = read.Reader;
        await r.ReadAsync(ct);
        var datasets = r.GetFieldValue<string[]>(5);
        var versions = r.GetFieldValue<long[]>(6);
        var build = r.IsDBNull(0) ? null : new ModelBuildRecord(r.GetString(0) == "incremental", r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4));
        return new ModelRunRecord([.. datasets.Zip(versions, (d, v) => new RunInput(d, v))], build);
    }

    /// <summary>
    /// The model's last successful build: the newest run that committed a snapshot and recorded how
    /// it built. A replay of its rejects records no build, so it is not one.
    /// </summary>
    public async Task<Models.LastBuild?> LastBuildAsync(Guid workspaceId, string pipeline, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        Guid runId;
        long output;
        string fingerprint;
        await using (var command = tx.Command("""
            SELECT r.id, r.snapshot_version, b.fingerprint
              FROM runs r JOIN model_builds b ON b.run_id = r.id
             WHERE r.workspace_id = @ws AND r.pipeline = @pipeline AND r.status = 'succeeded' AND r.snapshot_version IS NOT NULL
             ORDER BY r.snapshot_version DESC, r.finished_at DESC
             LIMIT 1
            """)
            .With("ws", workspaceId)
            .With("pipeline", pipeline))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            (runId, output, fingerprint) = (reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2));
        }

        await using var inputs = tx.Command("SELECT dataset, version FROM run_inputs WHERE workspace_id = @ws AND run_id = @run ORDER BY dataset")
            .With("ws", workspaceId)
            .With("run", runId);
        await using var rows = await inputs.ExecuteReaderAsync(ct);
        var consumed = new List<RunInput>();
        while (await rows.ReadAsync(ct))
        {
            consumed.Add(new RunInput(rows.GetString(0), rows.GetInt64(1)));
        }

        return new Models.LastBuild(runId, output, fingerprint, consumed);
    }

    /// <summary>
    /// For each range, the snapshots of its dataset from version <c>From</c> to <c>To</c>, both
    /// included, that the catalog still holds — in one statement, since a model's run asks this
    /// of every input and its own dataset before it reads anything.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<Models.InputSnapshot>>> SnapshotsBetweenAsync(
        Guid workspaceId, IReadOnlyList<(string Dataset, long From, long To)> ranges, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT s.dataset, s.version, s.operation
              FROM unnest(@datasets, @froms, @tos) AS r (dataset, from_version, to_version)
              JOIN snapshots s ON s.workspace_id = @ws AND s.dataset = r.dataset AND s.version BETWEEN r.from_version AND r.to_version
             ORDER BY s.dataset, s.version
            """)
            .With("ws", workspaceId)
            .With("datasets", ranges.Select(r => r.Dataset).ToArray())
            .With("froms", ranges.Select(r => r.From).ToArray())
            .With("tos", ranges.Select(r => r.To).ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var snapshots = ranges.Select(r => r.Dataset).Distinct(StringComparer.Ordinal)
            .ToDictionary(d => d, _ => new List<Models.InputSnapshot>(), StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            snapshots[reader.GetString(0)].Add(new Models.InputSnapshot(reader.GetInt64(1), CatalogNames.Operation(reader.GetString(2))));
        }

        return snapshots.ToDictionary(s => s.Key, s => (IReadOnlyList<Models.InputSnapshot>)s.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// The files the append snapshots after <paramref name="after"/> up to <paramref name="upTo"/>
    /// added, relative to the lake root: each append's files less its parent's. Compactions in
    /// between are skipped: their files hold rows already read. Every version in the range must
    /// still be in the catalog (<see cref="SnapshotsBetweenAsync"/> tells).
    /// </summary>
    public async Task<IReadOnlyList<string>> AppendedFilesAsync(Guid workspaceId, string dataset, long after, long upTo, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT f.path FROM snapshots s
              JOIN snapshot_files f ON (f.workspace_id, f.dataset, f.version) = (s.workspace_id, s.dataset, s.version)
             WHERE s.workspace_id = @ws AND s.dataset = @dataset AND s.operation = 'append'
               AND s.version > @after AND s.version <= @upTo
               AND NOT EXISTS (SELECT 1 FROM snapshot_files p
                                WHERE (p.workspace_id, p.dataset, p.version, p.path) = (s.workspace_id, s.dataset, s.version - 1, f.path))
             ORDER BY s.version, f.path
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("after", after)
            .With("upTo", upTo);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var files = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            files.Add(reader.GetString(0));
        }

        return files;
    }

    /// <summary>
    /// Queues a run of every enabled <c>on: commit</c> model that reads <paramref name="dataset"/>
    /// and nothing else this commit will refresh, unless one already waits: that run will read the newest snapshots when it starts, so a
    /// burst of upstream commits costs one downstream run, not one each.
    /// </summary>
    /// <returns>The runs queued now (not those already waiting).</returns>
    public async Task<IReadOnlyList<RunRecord>> QueueDownstreamAsync(Guid workspaceId, string dataset, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        var models = new List<(string Name, string Dataset)>();
        // A model that also reads something this commit will refresh (another on-commit model
        // downstream of the dataset) waits for that one's commit instead: each model of a chain
        // or diamond then runs once, after all it reads is fresh, instead of once per path. One
        // whose other inputs were never loaded waits too: its run could only fail.
        await using (var find = tx.Command("""
            WITH RECURSIVE models AS (
                SELECT name, dataset, inputs FROM pipelines
                 WHERE workspace_id = @ws AND enabled AND spec ->> 'on' = 'commit'
            ), refreshed (dataset) AS (
                SELECT m.dataset FROM models m WHERE @dataset = ANY (m.inputs)
                UNION
                SELECT m.dataset FROM models m JOIN refreshed r ON r.dataset = ANY (m.inputs)
            )
            SELECT m.name, m.dataset FROM models m
             WHERE @dataset = ANY (m.inputs)
               AND NOT EXISTS (SELECT 1 FROM refreshed r WHERE r.dataset = ANY (m.inputs))
               AND NOT EXISTS (SELECT 1 FROM unnest(m.inputs) AS i (name)
                                WHERE NOT EXISTS (SELECT 1 FROM datasets d
                                                   WHERE d.workspace_id = @ws AND d.name = i.name AND d.current_version IS NOT NULL))
             ORDER BY m.name
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset))
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                models.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var queued = new List<RunRecord>();
        foreach (var (name, target) in models)
        {
            var now = time.GetUtcNow();
            // The partial unique index, not a prior SELECT, keeps it to one waiting run: two
            // nodes committing two inputs at once cannot both queue one.
            await using var insert = tx.Command($"""
                INSERT INTO runs (id, workspace_id, pipeline, dataset, status, trigger, pipeline_version, created_at)
                VALUES (@id, @ws, @pipeline, @dataset, 'queued', 'upstream',
                        (SELECT version FROM pipelines WHERE workspace_id = @ws AND name = @pipeline), @now)
                ON CONFLICT (workspace_id, pipeline) WHERE status = 'queued' AND trigger = 'upstream' DO NOTHING
                RETURNING {RunCatalog.RunColumns}
                """)
                .With("id", Guid.CreateVersion7(now))
                .With("ws", workspaceId)
                .With("pipeline", name)
                .With("dataset", target)
                .With("now", now);
            RunRecord? run = null;
            await using (var reader = await insert.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    run = RunCatalog.ReadRun(reader);
                }
            }

            if (run is not null)
            {
                queued.Add(run);
                await AuditLog.WriteAsync(tx, workspaceId, new AuditEntry(AuditActors.Upstream, AuditActions.RunTriggered, name,
                    After: new { runId = run.Id, trigger = "upstream", run.PipelineVersion, committed = dataset }), ct);
            }
        }

        await tx.CommitAsync(ct);
        if (queued.Count > 0)
        {
            await cache.ChangedAsync(workspaceId, CatalogArea.Runs);
        }

        return queued;
    }
}
