using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Pipelines.Scheduling;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// The audit trail, archive, purge and rollback in the catalog, run as the services' role: each
/// change and its audit row commit together, and the log cannot be rewritten.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class AuditTrailTests(StackFixture stack)
{
    [Fact]
    public async Task The_services_role_cannot_update_delete_or_truncate_audit_rows()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await SaveAsync(db, ws, "flights", 1, Entry("alice"));

        foreach (var sql in new[] { "UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.App, ws, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        // The table's owner is held to it too: the triggers refuse whoever asks.
        var owner = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.Admin, ws, "DELETE FROM audit_log"));
        Assert.Contains("append-only", owner.MessageText, StringComparison.Ordinal);
        Assert.Equal(["alice"], (await RowsAsync(db)).Select(r => r.Actor));
    }

    [Fact]
    public async Task Saving_archiving_restoring_and_purging_a_pipeline_each_write_one_row_and_an_unchanged_save_none()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await SaveAsync(db, ws, "flights", 1, Entry("alice") with { RequestId = "trace-1" });
        await SaveAsync(db, ws, "flights", 1, Entry("alice"));
        await SaveAsync(db, ws, "flights", 2, Entry(AuditActors.Folder("flights.yaml")));
        var run = await db.Store.Runs.CreateAsync(ws, "flights", "flights", RunTrigger.Api, audit: Entry("bob", AuditActions.RunTriggered));
        Assert.True(await db.Store.Runs.CancelAsync(ws, run.Id, Entry("bob", AuditActions.RunCancelled)));
        Assert.False(await db.Store.Runs.CancelAsync(ws, run.Id, Entry("bob", AuditActions.RunCancelled)));

        Assert.True(await db.Store.Pipelines.ArchiveAsync(ws, "flights", Entry("carol", AuditActions.PipelineArchived)));
        Assert.Null(await db.Store.Pipelines.GetAsync(ws, "flights"));
        Assert.Empty(await db.Store.Pipelines.ListAsync(ws));
        Assert.NotNull(await db.Store.Runs.GetAsync(ws, run.Id));
        await Assert.ThrowsAsync<ArchivedNameException>(() => SaveAsync(db, ws, "flights", 3, Entry("alice")));

        Assert.Equal(ArchiveOutcome.Done, await db.Store.Pipelines.RestoreAsync(ws, "flights", Entry("carol", AuditActions.PipelineRestored)));
        Assert.Equal(2, (await db.Store.Pipelines.GetAsync(ws, "flights"))!.Version);
        Assert.Equal(ArchiveOutcome.NotArchived, await db.Store.Pipelines.PurgeAsync(ws, "flights", Entry("root", AuditActions.PipelinePurged)));

        Assert.True(await db.Store.Pipelines.ArchiveAsync(ws, "flights", Entry("carol", AuditActions.PipelineArchived)));
        Assert.Equal(ArchiveOutcome.Done, await db.Store.Pipelines.PurgeAsync(ws, "flights", Entry("root", AuditActions.PipelinePurged)));
        Assert.Null(await db.Store.Runs.GetAsync(ws, run.Id));
        Assert.Equal(ArchiveOutcome.NotFound, await db.Store.Pipelines.RestoreAsync(ws, "flights", Entry("carol", AuditActions.PipelineRestored)));
        Assert.Equal(1, await SaveAsync(db, ws, "flights", 9, Entry("alice")));

        var rows = await RowsAsync(db);
        Assert.Equal(
            [
                ("pipeline.created", "alice"), ("pipeline.updated", "folder:flights.yaml"), ("run.triggered", "bob"), ("run.cancelled", "bob"),
                ("pipeline.archived", "carol"), ("pipeline.restored", "carol"), ("pipeline.archived", "carol"), ("pipeline.purged", "root"),
                ("pipeline.created", "alice"),
            ],
            rows.Select(r => (r.Action, r.Actor)));
        Assert.All(rows, r => Assert.Equal("flights", r.Target));
        Assert.Equal("trace-1", rows[0].RequestId);
        var update = rows[1].Details;
        Assert.Equal(1, update.GetProperty("before").GetProperty("version").GetInt32());
        Assert.Equal(2, update.GetProperty("after").GetProperty("version").GetInt32());
        Assert.Equal(["n"], update.GetProperty("after").GetProperty("changed").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(run.Id, rows[2].Details.GetProperty("after").GetProperty("runId").GetGuid());
        Assert.Equal(1, rows[7].Details.GetProperty("before").GetProperty("removed").GetProperty("runs").GetInt64());
    }

    [Fact]
    public async Task A_change_that_fails_leaves_no_audit_row_and_an_audit_row_that_fails_undoes_the_change()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");

        // The change fails: a spec that is not JSON.
        await Assert.ThrowsAsync<PostgresException>(() => db.Store.Pipelines.SaveAsync(
            ws, "broken", "{not json", "x", "yaml", null, "broken", audit: Entry("alice")));

        // The audit row fails (PostgreSQL text cannot hold NUL): the pipeline it recorded goes with it.
        await Assert.ThrowsAsync<PostgresException>(() => db.Store.Pipelines.SaveAsync(
            ws, "flights", """{"name":"flights"}""", "x", "yaml", null, "flights", audit: Entry("ali\0ce")));
        Assert.Null(await db.Store.Pipelines.GetAsync(ws, "flights"));
        Assert.Empty(await RowsAsync(db));
    }

    [Fact]
    public async Task An_archived_dataset_is_hidden_with_its_snapshots_kept_and_restored_whole()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await CommitAsync(db, ws, "events", WriteMode.Append, "events/a.parquet", 3);
        await CommitAsync(db, ws, "events", WriteMode.Append, "events/b.parquet", 4);

        Assert.True(await db.Store.Datasets.ArchiveAsync(ws, "events", Entry("carol", AuditActions.DatasetArchived)));
        Assert.Null(await db.Store.Datasets.GetAsync(ws, "events"));
        Assert.Empty(await db.Store.Datasets.ListAsync(ws));
        Assert.Equal(2, (await db.Store.Datasets.ListSnapshotsAsync(ws, "events")).Count);
        Assert.False(await db.Store.Datasets.ArchiveAsync(ws, "events", Entry("carol", AuditActions.DatasetArchived)));

        Assert.Equal(ArchiveOutcome.Done, await db.Store.Datasets.RestoreAsync(ws, "events", Entry("carol", AuditActions.DatasetRestored)));
        var restored = await db.Store.Datasets.GetAsync(ws, "events");
        Assert.Equal((2L, 7L), (restored!.CurrentVersion, restored.RowCount));
        Assert.Equal(["dataset.archived", "dataset.restored"], (await RowsAsync(db)).Select(r => r.Action));
    }

    [Fact]
    public async Task Rollback_commits_a_new_version_with_the_old_versions_files_and_leaves_history_alone()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await CommitAsync(db, ws, "events", WriteMode.Append, "events/a.parquet", 3);
        await CommitAsync(db, ws, "events", WriteMode.Replace, "events/b.parquet", 10);

        var result = await db.Store.Committer.RollbackAsync(ws, "events", 1, Entry("dave", AuditActions.DatasetRolledBack));
        Assert.Equal((3L, 2L, 3L), (result!.Version, result.ParentVersion!.Value, result.RowCount));

        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "events", null);
        Assert.Equal((3L, SnapshotOperation.Rollback), (current!.Snapshot.Version, current.Snapshot.Operation));
        Assert.Equal(["events/a.parquet"], current.Files.Select(f => f.RelativePath));
        Assert.Equal(["events/b.parquet"], (await db.Store.Datasets.GetSnapshotAsync(ws, "events", 2))!.Files.Select(f => f.RelativePath));
        Assert.Equal(3L, (await db.Store.Datasets.GetAsync(ws, "events"))!.RowCount);
        Assert.Null(await db.Store.Committer.RollbackAsync(ws, "events", 42, Entry("dave", AuditActions.DatasetRolledBack)));

        var row = Assert.Single(await RowsAsync(db));
        Assert.Equal(("dataset.rolled_back", 2L, 3L, 1L),
            (row.Action, row.Details.GetProperty("before").GetProperty("version").GetInt64(),
             row.Details.GetProperty("after").GetProperty("version").GetInt64(), row.Details.GetProperty("after").GetProperty("rolledBackTo").GetInt64()));
    }

    [Fact]
    public async Task Retention_purges_what_was_archived_longer_than_ArchivedFor_and_audits_it_as_the_system()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await SaveAsync(db, ws, "old_pipe", 1, Entry("alice"));
        await CommitAsync(db, ws, "old_data", WriteMode.Append, "old_data/a.parquet", 3);
        await CommitAsync(db, ws, "kept_data", WriteMode.Append, "kept_data/a.parquet", 3);
        Assert.True(await db.Store.Pipelines.ArchiveAsync(ws, "old_pipe", Entry("carol", AuditActions.PipelineArchived)));
        Assert.True(await db.Store.Datasets.ArchiveAsync(ws, "old_data", Entry("carol", AuditActions.DatasetArchived)));
        var lake = Directory.CreateTempSubdirectory("ductus-audit-lake").FullName;

        RetentionJob Job(TimeProvider time) => new(
            db.App, db.Store, db.Rejects,
            Options.Create(new RetentionOptions { ArchivedFor = TimeSpan.FromHours(1) }),
            Options.Create(new LakeOptions { Root = lake }),
            time,
            NullLogger<RetentionJob>.Instance);

        // Within the hour nothing goes; two hours on both archived items do, and the live dataset stays.
        Assert.Equal(0, (await Job(TimeProvider.System).RunOnceAsync(CancellationToken.None)).ArchivedPurged);
        Assert.Equal(2, (await Job(new ManualClock(DateTimeOffset.UtcNow.AddHours(2))).RunOnceAsync(CancellationToken.None)).ArchivedPurged);
        Assert.Equal(ArchiveOutcome.NotFound, await db.Store.Pipelines.RestoreAsync(ws, "old_pipe", Entry("carol", AuditActions.PipelineRestored)));
        Assert.Equal(ArchiveOutcome.NotFound, await db.Store.Datasets.RestoreAsync(ws, "old_data", Entry("carol", AuditActions.DatasetRestored)));
        Assert.Empty(await db.Store.Datasets.ListSnapshotsAsync(ws, "old_data"));
        Assert.Equal(["kept_data"], (await db.Store.Datasets.ListAsync(ws)).Select(d => d.Name));

        var purges = (await RowsAsync(db)).Where(r => r.Action.EndsWith(".purged", StringComparison.Ordinal)).ToList();
        Assert.Equal([("pipeline.purged", "old_pipe"), ("dataset.purged", "old_data")], purges.Select(r => (r.Action, r.Target)));
        Assert.All(purges, r => Assert.Equal("system:retention", r.Actor));
        Directory.Delete(lake, recursive: true);
    }

    private static AuditEntry Entry(string actor, string action = AuditActions.PipelineUpdated, string target = "flights") => new(actor, action, target);

    /// <summary>Saves a spec whose only content is <paramref name="n"/>; the entry's target becomes the pipeline.</summary>
    private static Task<int> SaveAsync(CatalogDatabase db, Guid ws, string name, int n, AuditEntry audit) =>
        db.Store.Pipelines.SaveAsync(ws, name, $$"""{"name":"{{name}}","n":{{n}}}""", $"n: {n}", "yaml", null, name, audit: audit with { Target = name });

    private static async Task CommitAsync(CatalogDatabase db, Guid ws, string dataset, WriteMode mode, string path, long rows)
    {
        var run = await db.StartRunAsync(ws, dataset);
        await db.Store.Committer.CommitAsync(ws, CatalogDatabase.Request(run.Id, dataset, mode, CatalogDatabase.File(path, rows)));
    }

    private static async Task<List<(string Action, string Actor, string Target, JsonElement Details, string? RequestId)>> RowsAsync(CatalogDatabase db)
    {
        await using var command = db.Admin.CreateCommand("SELECT action, actor, target, details::text, request_id FROM audit_log ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, JsonElement, string?)>();
        while (await reader.ReadAsync())
        {
            using var details = JsonDocument.Parse(reader.GetString(3));
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), details.RootElement.Clone(), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, Guid workspace, string sql)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await WorkspaceScope.ActForAsync(connection, tx, workspace, CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
