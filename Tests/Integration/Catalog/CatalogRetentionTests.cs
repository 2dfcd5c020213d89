using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Pipelines.Scheduling;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>Retention of the catalog's own tables: runs, consumed ingest batches, alert deliveries, and the audit archive.</summary>
[Collection(StackDefinition.Name)]
public sealed class CatalogRetentionTests(StackFixture stack) : IDisposable
{
    private readonly string _lake = Directory.CreateTempSubdirectory("ductus-retention-").FullName;

    public void Dispose() => Directory.Delete(_lake, recursive: true);

    private RetentionJob Job(CatalogDatabase db) => new(
        db.App, db.Store, db.Rejects,
        Options.Create(new RetentionOptions { RejectsMaxAge = null }),
        Options.Create(new LakeOptions { Root = _lake }),
        TimeProvider.System,
        NullLogger<RetentionJob>.Instance);

    private static async Task ExecAsync(NpgsqlDataSource admin, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = admin.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlDataSource admin, string sql, Func<NpgsqlDataReader, T> row)
    {
        await using var command = admin.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    private static Task AgeRunsAsync(CatalogDatabase db, params Guid[] runs) => ExecAsync(db.Admin,
        "UPDATE runs SET created_at = created_at - interval '100 days', started_at = started_at - interval '100 days', finished_at = finished_at - interval '100 days' WHERE id = ANY (@ids)",
        ("ids", runs));

    private static async Task<RunRecord> FailedRunAsync(CatalogDatabase db, Guid ws, string pipeline)
    {
        var run = await db.StartRunAsync(ws, pipeline + "_ds", pipeline);
        Assert.True(await db.Store.Runs.FailAsync(ws, run.Id, "extract", "source down", new RunStats(0, 0, 0, 0)));
        return run;
    }

    [Fact]
    public async Task Old_runs_go_unless_a_snapshot_rejects_a_watermark_or_recency_still_needs_them()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var superseded = await FailedRunAsync(db, ws, "p1");
        var committed = await db.StartRunAsync(ws, "p1_ds", "p1");
        await db.Store.Committer.CommitAsync(ws, Request(committed.Id, "p1_ds", WriteMode.Append, File("alpha/p1_ds/a.parquet", 5)));
        var withRejects = await FailedRunAsync(db, ws, "p1");
        var watermarked = await FailedRunAsync(db, ws, "p1");
        var newestOfP1 = await FailedRunAsync(db, ws, "p1");
        var onlyRunOfP2 = await FailedRunAsync(db, ws, "p2");
        var recent = await FailedRunAsync(db, ws, "p1");
        await AgeRunsAsync(db, superseded.Id, committed.Id, withRejects.Id, watermarked.Id, newestOfP1.Id, onlyRunOfP2.Id);
        // The aged newestOfP1 is older than `recent`, so make `recent` a run of a pipeline of its own.
        await ExecAsync(db.Admin, "UPDATE runs SET pipeline = 'p3' WHERE id = @id", ("id", recent.Id));
        await ExecAsync(db.Admin, "INSERT INTO rejects (workspace_id, run_id, pipeline, dataset, rules, message, created_at) VALUES (@ws, @run, 'p1', 'p1_ds', '{x}', 'bad', now())",
            ("ws", ws), ("run", withRejects.Id));
        await ExecAsync(db.Admin, "INSERT INTO pipeline_watermarks (workspace_id, pipeline, value, run_id, updated_at) VALUES (@ws, 'p1', '42', @run, now())",
            ("ws", ws), ("run", watermarked.Id));

        var result = await Job(db).RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, result.RunsDeleted);
        var left = await ReadAsync(db.Admin, "SELECT id FROM runs", r => r.GetGuid(0));
        Assert.DoesNotContain(superseded.Id, left);
        Assert.Equal(
            new[] { committed.Id, withRejects.Id, watermarked.Id, newestOfP1.Id, onlyRunOfP2.Id, recent.Id }.Order(),
            left.Order());
        // The snapshot still names the run that made it.
        Assert.Equal(committed.Id, (await db.Store.Datasets.GetSnapshotAsync(ws, "p1_ds", null))!.Snapshot.RunId);
    }

    [Fact]
    public async Task Consumed_batches_and_alert_deliveries_past_their_age_go_and_buffered_or_recent_ones_stay()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        Guid oldConsumed = Guid.NewGuid(), recentConsumed = Guid.NewGuid(), oldBuffered = Guid.NewGuid();
        const string batch = "INSERT INTO ingest_batches (id, workspace_id, dataset, format, received_at, consumed_at) VALUES (@id, @ws, 'events', 'json', now() - @received::interval, now() - @consumed::interval)";
        await ExecAsync(db.Admin, batch, ("id", oldConsumed), ("ws", ws), ("received", "40 days"), ("consumed", "31 days"));
        await ExecAsync(db.Admin, batch, ("id", recentConsumed), ("ws", ws), ("received", "40 days"), ("consumed", "29 days"));
        await ExecAsync(db.Admin, batch.Replace("now() - @consumed::interval", "NULL", StringComparison.Ordinal), ("id", oldBuffered), ("ws", ws), ("received", "60 days"));
        const string delivery = "INSERT INTO alert_deliveries (workspace_id, alert_id, kind, pipeline, dataset, webhook, attempt, status_code, delivered, duration_ms, at) VALUES (@ws, gen_random_uuid(), 'run.failed', 'p', 'd', 'default', 1, 200, true, 5, now() - @age::interval)";
        await ExecAsync(db.Admin, delivery, ("ws", ws), ("age", "31 days"));
        await ExecAsync(db.Admin, delivery, ("ws", ws), ("age", "1 day"));

        var result = await Job(db).RunOnceAsync(CancellationToken.None);

        Assert.Equal((1L, 1L), (result.IngestBatchesDeleted, result.AlertDeliveriesDeleted));
        Assert.Equal(new[] { recentConsumed, oldBuffered }.Order(), (await ReadAsync(db.Admin, "SELECT id FROM ingest_batches", r => r.GetGuid(0))).Order());
        Assert.Equal([1], await ReadAsync(db.Admin, "SELECT (now() - at < interval '2 days')::int FROM alert_deliveries", r => r.GetInt32(0)));
    }

    [Fact]
    public async Task Old_audit_rows_move_to_the_archive_unchanged_and_neither_table_lets_a_row_be_lost()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        const string audit = "INSERT INTO audit_log (workspace_id, actor, action, target, details, at, request_id) VALUES (@ws, 'admin', 'pipeline.created', @target, '{\"after\": {\"version\": 1}}', now() - @age::interval, 'req-1')";
        await ExecAsync(db.Admin, audit, ("ws", ws), ("target", "old_one"), ("age", "400 days"));
        await ExecAsync(db.Admin, audit, ("ws", ws), ("target", "old_two"), ("age", "366 days"));
        await ExecAsync(db.Admin, audit, ("ws", ws), ("target", "recent"), ("age", "364 days"));
        const string columns = "id, actor, action, target, details::text, at, request_id";
        var before = await ReadAsync(db.Admin, $"SELECT {columns} FROM audit_log WHERE target LIKE 'old_%' ORDER BY id", Row);

        var result = await Job(db).RunOnceAsync(CancellationToken.None);

        Assert.Equal(2, result.AuditArchived);
        Assert.Equal(["recent"], await ReadAsync(db.Admin, "SELECT target FROM audit_log WHERE workspace_id = '" + ws + "'", r => r.GetString(0)));
        Assert.Equal(before, await ReadAsync(db.Admin, $"SELECT {columns} FROM audit_archive ORDER BY id", Row));
        // The services' role reads its workspace's archive, and can change neither table.
        await using (var read = await WorkspaceRead.ExecuteAsync(db.App, ws, WorkspaceRead.Query("SELECT count(*) FROM audit_archive"), CancellationToken.None))
        {
            Assert.True(await read.Reader.ReadAsync());
            Assert.Equal(2, read.Reader.GetInt64(0));
        }

        // Not even the owner can delete or rewrite an archived row, nor delete an unarchived one.
        foreach (var sql in new[] { "DELETE FROM audit_archive", "UPDATE audit_archive SET actor = 'x'", "TRUNCATE audit_archive", "DELETE FROM audit_log" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(db.Admin, sql));
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(2, (await ReadAsync(db.Admin, "SELECT id FROM audit_archive", r => r.GetInt64(0))).Count);
        Assert.Single(await ReadAsync(db.Admin, "SELECT id FROM audit_log WHERE workspace_id = '" + ws + "'", r => r.GetInt64(0)));

        static string Row(NpgsqlDataReader r) =>
            string.Join("|", r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5).ToString("O"), r.GetString(6));
    }
}
