using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Npgsql;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// The changes the audit trail did not record before: pausing and resuming a schedule, model runs
/// queued by an upstream commit, the bootstrap admin key, and workspaces the watched folder
/// creates. Each writes its row in the change's transaction, as the services' role, and a change
/// that fails or does nothing writes none.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class AuditedChangesTests(StackFixture stack)
{
    [Fact]
    public async Task Pausing_and_resuming_a_schedule_each_write_one_row_and_a_repeat_none()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await SavePipelineAsync(db, ws, "flights", "flights");

        Assert.True(await db.Store.Pipelines.SetEnabledAsync(ws, "flights", false, Entry("alice")));
        Assert.True(await db.Store.Pipelines.SetEnabledAsync(ws, "flights", false, Entry("alice")));
        Assert.True(await db.Store.Pipelines.SetEnabledAsync(ws, "flights", true, Entry("bob") with { RequestId = "trace-9" }));

        var rows = await RowsAsync(db, "pipeline.%");
        Assert.Equal([("pipeline.disabled", "alice", "flights"), ("pipeline.enabled", "bob", "flights")], rows.Select(r => (r.Action, r.Actor, r.Target)));
        Assert.True(rows[0].Details.GetProperty("before").GetProperty("enabled").GetBoolean());
        Assert.False(rows[0].Details.GetProperty("after").GetProperty("enabled").GetBoolean());
        Assert.Equal("trace-9", rows[1].RequestId);
    }

    [Fact]
    public async Task A_change_that_fails_leaves_no_audit_row_and_a_failed_audit_row_undoes_the_change()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await SavePipelineAsync(db, ws, "flights", "flights");

        // The change fails: there is no such pipeline, or it is archived.
        Assert.False(await db.Store.Pipelines.SetEnabledAsync(ws, "missing", false, Entry("alice")));
        Assert.True(await db.Store.Pipelines.ArchiveAsync(ws, "flights", Entry("carol") with { Action = AuditActions.PipelineArchived }));
        Assert.False(await db.Store.Pipelines.SetEnabledAsync(ws, "flights", false, Entry("alice")));
        Assert.Equal(ArchiveOutcome.Done, await db.Store.Pipelines.RestoreAsync(ws, "flights", Entry("carol") with { Action = AuditActions.PipelineRestored }));

        // The audit row fails (PostgreSQL text cannot hold NUL): the pause it recorded goes with it.
        await Assert.ThrowsAsync<PostgresException>(() => db.Store.Pipelines.SetEnabledAsync(ws, "flights", false, Entry("ali\0ce")));
        Assert.True((await db.Store.Pipelines.GetAsync(ws, "flights"))!.Enabled);

        // The same for a workspace: a failed row leaves no workspace behind.
        await Assert.ThrowsAsync<PostgresException>(() => db.Store.Workspaces.EnsureAsync("never", Entry("folder:\0")));
        Assert.Null(await db.Store.Workspaces.FindAsync("never"));
        Assert.Equal(["pipeline.archived", "pipeline.restored"], (await RowsAsync(db, "%")).Select(r => r.Action));
    }

    [Fact]
    public async Task A_model_run_queued_by_an_upstream_commit_is_audited_as_triggered_by_upstream()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("audited");
        await db.Store.Pipelines.SaveAsync(ws, "daily_totals", """{"name":"daily_totals","on":"commit","source":{"dataset":"events"}}""",
            "x", "yaml", null, "totals", inputs: ["events"]);
        var run = await db.StartRunAsync(ws, "events");
        await db.Store.Committer.CommitAsync(ws, Request(run.Id, "events", WriteMode.Append, File("events/a.parquet", 3)));

        var queued = Assert.Single(await db.Store.Models.QueueDownstreamAsync(ws, "events"));
        // One waiting run is enough: a second commit queues none and audits none.
        Assert.Empty(await db.Store.Models.QueueDownstreamAsync(ws, "events"));

        var row = Assert.Single(await RowsAsync(db, "run.%"));
        Assert.Equal(("run.triggered", AuditActors.Upstream, "daily_totals"), (row.Action, row.Actor, row.Target));
        var after = row.Details.GetProperty("after");
        Assert.Equal(queued.Id, after.GetProperty("runId").GetGuid());
        Assert.Equal("events", after.GetProperty("committed").GetString());
        Assert.Equal(1, after.GetProperty("pipelineVersion").GetInt32());
    }

    [Fact]
    public async Task A_workspace_the_folder_creates_is_audited_in_its_own_log_once()
    {
        await using var db = await CreateAsync(stack);
        var entry = new AuditEntry(AuditActors.Folder("pipelines"), AuditActions.WorkspaceCreated, "team");

        var id = await db.Store.Workspaces.EnsureAsync("team", entry);
        Assert.Equal(id, await db.Store.Workspaces.EnsureAsync("team", entry));

        var row = Assert.Single(await RowsAsync(db, "workspace.%"));
        Assert.Equal(("workspace.created", "folder:pipelines", "team", id), (row.Action, row.Actor, row.Target, row.Workspace));
        Assert.Equal(id, row.Details.GetProperty("after").GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_bootstrap_admin_key_is_audited_when_written_and_when_replaced_but_not_when_unchanged()
    {
        await using var db = await CreateAsync(stack);
        var clients = new ApiClientStore(db.App, TimeProvider.System);

        Assert.True(await clients.EnsureBootstrapAdminAsync("first-admin-key-0123456789", CancellationToken.None));
        Assert.False(await clients.EnsureBootstrapAdminAsync("first-admin-key-0123456789", CancellationToken.None));
        Assert.True(await clients.EnsureBootstrapAdminAsync("second-admin-key-0123456789", CancellationToken.None));

        var rows = await RowsAsync(db, "key.%");
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(("key.created", AuditActors.Bootstrap, ClientCredentials.BootstrapAdminClientId, ApiClientStore.DefaultWorkspaceId), (r.Action, r.Actor, r.Target, r.Workspace)));
        Assert.Equal([false, true], rows.Select(r => r.Details.GetProperty("after").GetProperty("replaced").GetBoolean()));
        Assert.Equal([Roles.Admin], rows[0].Details.GetProperty("after").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    private static AuditEntry Entry(string actor) => new(actor, AuditActions.PipelineUpdated, "flights");

    private static Task<int> SavePipelineAsync(CatalogDatabase db, Guid ws, string name, string dataset) =>
        db.Store.Pipelines.SaveAsync(ws, name, $$"""{"name":"{{name}}"}""", "x", "yaml", null, dataset);

    private static async Task<List<(string Action, string Actor, string Target, Guid Workspace, JsonElement Details, string? RequestId)>> RowsAsync(CatalogDatabase db, string actions)
    {
        await using var command = db.Admin.CreateCommand(
            "SELECT action, actor, target, workspace_id, details::text, request_id FROM audit_log WHERE action LIKE $1 ORDER BY id");
        command.Parameters.AddWithValue(actions);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, Guid, JsonElement, string?)>();
        while (await reader.ReadAsync())
        {
            using var details = JsonDocument.Parse(reader.GetString(4));
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3), details.RootElement.Clone(), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }
}
