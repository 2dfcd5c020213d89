using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// What models need of the catalog beyond other pipelines: the input snapshots a run pinned, and
/// the runs a commit queues downstream. A model's inputs themselves are stored with its spec
/// (<see cref="PipelineRecord.Inputs"/>).
/// </summary>
public sealed class ModelCatalog(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    /// <summary>Records the snapshot of each input a run read; a retry of the run pins again, replacing them.</summary>
    public async Task RecordInputsAsync(Guid workspaceId, Guid runId, IReadOnlyList<RunInput> inputs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using (var clear = tx.Command("DELETE FROM run_inputs WHERE workspace_id = @ws AND run_id = @run").With("ws", workspaceId).With("run", runId))
        {
            await clear.ExecuteNonQueryAsync(ct);
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
    }

    /// <summary>The input snapshots a model's run read, by dataset name; empty for other runs.</summary>
    public async Task<IReadOnlyList<RunInput>> InputsOfRunAsync(Guid workspaceId, Guid runId, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("SELECT dataset, version FROM run_inputs WHERE workspace_id = @ws AND run_id = @run ORDER BY dataset")
            .With("ws", workspaceId)
            .With("run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var inputs = new List<RunInput>();
        while (await reader.ReadAsync(ct))
        {
            inputs.Add(new RunInput(reader.GetString(0), reader.GetInt64(1)));
        }

        return inputs;
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
            await using var reader = await insert.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                queued.Add(RunCatalog.ReadRun(reader));
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
