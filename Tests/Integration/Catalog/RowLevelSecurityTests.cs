using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Npgsql;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

[Collection(StackDefinition.Name)]
public sealed class RowLevelSecurityTests(StackFixture stack)
{
    private static readonly string[] Tables =
        ["pipelines", "pipeline_versions", "pipeline_watermarks", "runs", "datasets", "snapshots", "snapshot_files", "rejects"];

    [Fact]
    public async Task Workspace_b_cannot_see_workspace_a_rows_even_when_asking_by_id()
    {
        await using var db = await CreateAsync(stack);
        var a = await db.Store.Workspaces.EnsureAsync("tenant-a");
        var b = await db.Store.Workspaces.EnsureAsync("tenant-b");
        await SeedAsync(db, a);

        var runA = (await db.Store.Runs.ListAsync(a, new RunFilter(), null, 10)).Items.Single();
        Assert.Null(await db.Store.Runs.GetAsync(b, runA.Id));
        Assert.Empty((await db.Store.Runs.ListAsync(b, new RunFilter(), null, 10)).Items);
        Assert.Null(await db.Store.Datasets.GetAsync(b, "secret"));
        Assert.Null(await db.Store.Datasets.GetSnapshotAsync(b, "secret", 1));
        Assert.Empty(await db.Store.Pipelines.ListAsync(b));
        Assert.Empty(await db.Store.Datasets.ListSnapshotsAsync(b, "secret"));
        Assert.Equal(0, await db.Rejects.CountAsync(b, runA.Id));
        Assert.False(await db.Store.Runs.CancelAsync(b, runA.Id));
        await Assert.ThrowsAsync<RunStateException>(() => db.Store.Runs.MarkRunningAsync(b, runA.Id));

        // The policies themselves, without the stores' own workspace filters: raw SQL as the
        // non-superuser role sees nothing of A, whether it acts for B or for no workspace.
        foreach (var workspace in new[] { b.ToString(), null })
        {
            foreach (var table in Tables)
            {
                Assert.Equal(0L, await CountAsAppAsync(db, workspace, $"SELECT count(*) FROM {table}"));
            }

            Assert.Equal(0L, await CountAsAppAsync(db, workspace, $"SELECT count(*) FROM runs WHERE id = '{runA.Id}'"));
        }

        foreach (var table in Tables)
        {
            Assert.True(await CountAsAppAsync(db, a.ToString(), $"SELECT count(*) FROM {table}") > 0, table);
        }

        // Writes are checked too: acting for B, a row claiming to belong to A is refused.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => CountAsAppAsync(db, b.ToString(), $"""
            INSERT INTO datasets (workspace_id, name, created_at, updated_at) VALUES ('{a}', 'planted', now(), now()) RETURNING 1
            """));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(0L, await CountAsAppAsync(db, b.ToString(), $"UPDATE runs SET error = 'x' WHERE id = '{runA.Id}' RETURNING 1"));
    }

    [Fact]
    public async Task A_superuser_login_that_adopts_the_app_role_is_held_to_the_policies()
    {
        await using var db = await CreateAsync(stack);
        var a = await db.Store.Workspaces.EnsureAsync("tenant-a");
        var b = await db.Store.Workspaces.EnsureAsync("tenant-b");
        await SeedAsync(db, a);

        var adopted = CatalogRole.Adopt(db.AdminConnectionString);
        await using var source = NpgsqlDataSource.Create(adopted);
        await using (var who = source.CreateCommand("SELECT current_user"))
        {
            Assert.Equal(CatalogRole.Name, await who.ExecuteScalarAsync());
        }

        var store = new CatalogStore(source, TimeProvider.System);
        Assert.NotNull(await store.Datasets.GetAsync(a, "secret"));
        Assert.Null(await store.Datasets.GetAsync(b, "secret"));
        await using var all = source.CreateCommand("SELECT count(*) FROM datasets");
        Assert.Equal(0L, await all.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Every_metadata_table_forces_row_level_security()
    {
        await using var db = await CreateAsync(stack);
        await using var command = db.Admin.CreateCommand("""
            SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND c.relname = ANY (@tables) AND c.relrowsecurity AND c.relforcerowsecurity
               AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname)
            """);
        command.Parameters.AddWithValue("tables", Tables);
        var secured = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            secured.Add(reader.GetString(0));
        }

        Assert.Equal(Tables.Order(), secured.Order());
    }

    private static async Task SeedAsync(CatalogDatabase db, Guid ws)
    {
        await db.Store.Pipelines.SaveAsync(ws, "load_secret", "{}", "name: load_secret", "yaml", null, "secret");
        var run = await db.StartRunAsync(ws, "secret", "load_secret");
        await db.Rejects.AppendAsync(ws, run.Id, "load_secret", "secret", Rows(new RejectedRow(1, ["parse"], "bad", null, "x,y")));
        await db.Store.Committer.CommitAsync(ws, Request(run.Id, "secret", WriteMode.Append, File("a/secret/1.parquet", 1)) with { Watermark = "5" });
    }

    private static async Task<long> CountAsAppAsync(CatalogDatabase db, string? workspace, string sql)
    {
        await using var connection = await db.App.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (workspace is not null)
        {
            await using var set = new NpgsqlCommand("SELECT set_config('ductus.workspace_id', $1, true)", connection, tx);
            set.Parameters.AddWithValue(workspace);
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection, tx);
        var result = await command.ExecuteScalarAsync();
        return result is null ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async IAsyncEnumerable<RejectedRow> Rows(params RejectedRow[] rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }
}
