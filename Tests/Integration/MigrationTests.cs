using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration;

[Collection(StackDefinition.Name)]
public sealed class MigrationTests(StackFixture stack)
{
    [Fact]
    public async Task Up_down_up_gives_the_same_schema()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);

        var applied = await migrator.UpAsync();
        Assert.Equal(MigrationCatalog.All.Select(m => m.Version), applied.Select(m => m.Version));
        var first = await SchemaDumpAsync(db.DataSource);

        var reverted = await migrator.DownAsync();
        Assert.Equal(MigrationCatalog.All.Select(m => m.Version).Reverse(), reverted.Select(m => m.Version));
        Assert.Equal(0, await migrator.CurrentVersionAsync());
        var empty = await SchemaDumpAsync(db.DataSource);
        Assert.Equal(["table public.ductus_schema_history"], empty.Where(l => l.StartsWith("table ", StringComparison.Ordinal)));

        await migrator.UpAsync();
        var second = await SchemaDumpAsync(db.DataSource);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task A_schema_waiter_returns_only_once_every_migration_of_its_build_is_applied()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);
        var previous = MigrationCatalog.All[^2].Version;
        await migrator.UpAsync(previous);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var waiting = migrator.WaitForLatestAsync(TimeSpan.FromMilliseconds(50), seen.Enqueue, limit.Token);
        await Eventually.Async(() => Task.FromResult(seen.Count), n => n >= 2, TimeSpan.FromSeconds(30), "two polls of the older schema");
        Assert.False(waiting.IsCompleted);
        Assert.All(seen, v => Assert.Equal(previous, v));

        await migrator.UpAsync();
        Assert.Equal(migrator.LatestVersion, await waiting);
    }

    [Fact]
    public async Task A_schema_waiter_treats_a_database_that_does_not_exist_yet_as_not_migrated()
    {
        var missing = new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = "missing_" + Guid.NewGuid().ToString("N")[..12] };
        await using var dataSource = NpgsqlDataSource.Create(missing.ConnectionString);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new SchemaMigrator(dataSource).WaitForLatestAsync(TimeSpan.FromMilliseconds(100), seen.Enqueue, limit.Token));
        Assert.NotEmpty(seen);
        Assert.All(seen, v => Assert.Equal(0, v));
    }

    [Fact]
    public async Task Each_migration_reverts_on_its_own()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);
        // Creates the history table, which stays when every migration is reverted.
        Assert.Equal(0, await migrator.CurrentVersionAsync());
        var before = await SchemaDumpAsync(db.DataSource);

        foreach (var migration in MigrationCatalog.All)
        {
            await migrator.UpAsync(migration.Version);
            var applied = await SchemaDumpAsync(db.DataSource);
            Assert.NotEqual(before, applied);

            await migrator.DownAsync(migration.Version - 1);
            Assert.Equal(before, await SchemaDumpAsync(db.DataSource));

            await migrator.UpAsync(migration.Version);
            Assert.Equal(applied, await SchemaDumpAsync(db.DataSource));
            before = applied;
        }
    }

    [Fact]
    public async Task Reverting_0016_keeps_a_compaction_snapshot_readable_as_an_append_that_added_nothing()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);
        await migrator.UpAsync();
        await using (var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString)))
        {
            var store = new CatalogStore(app, TimeProvider.System);
            var ws = await store.Workspaces.EnsureAsync("alpha");
            var run = await store.Runs.MarkRunningAsync(ws, (await store.Runs.CreateAsync(ws, "load_events", "events", RunTrigger.Manual)).Id, "test-node");
            await store.Committer.CommitAsync(ws, new CommitRequest(
                run.Id, "events", null, [new DatasetColumn("id", "BIGINT", null, true)], WriteMode.Append,
                [new LakeFile("alpha/events/a.parquet", 2, 10, new Dictionary<string, ColumnStats>()), new LakeFile("alpha/events/b.parquet", 3, 10, new Dictionary<string, ColumnStats>())],
                new RunStats(5, 5, 0, 20)), null);
            await store.Committer.CommitCompactionAsync(ws, "events", ["alpha/events/a.parquet", "alpha/events/b.parquet"], new LakeFile("alpha/events/c.parquet", 5, 15, new Dictionary<string, ColumnStats>()));
        }

        await migrator.DownAsync(15);

        await using (var rows = db.DataSource.CreateCommand("SELECT string_agg(version || ':' || operation || ':' || row_count || ':' || file_count, ',' ORDER BY version) FROM snapshots"))
        {
            Assert.Equal("1:append:5:2,2:append:5:1", await rows.ExecuteScalarAsync());
        }

        await using (var compact = db.DataSource.CreateCommand("UPDATE snapshots SET operation = 'compact' WHERE version = 2"))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => compact.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        }

        await migrator.UpAsync();
        Assert.Equal(MigrationCatalog.All[^1].Version, await migrator.CurrentVersionAsync());
    }

    [Fact]
    public async Task Reverting_0027_drops_only_the_record_of_schema_changes_and_every_snapshot_stays()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);
        await migrator.UpAsync();
        await using (var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString)))
        {
            var store = new CatalogStore(app, TimeProvider.System);
            var ws = await store.Workspaces.EnsureAsync("alpha");
            foreach (var (file, changes) in new[] { ("a", (SchemaChanges?)null), ("b", new SchemaChanges([new AddedColumn("tip", "DOUBLE")], [new WidenedColumn("id", "INTEGER", "BIGINT")])) })
            {
                var run = await store.Runs.MarkRunningAsync(ws, (await store.Runs.CreateAsync(ws, "load_events", "events", RunTrigger.Manual)).Id, "test-node");
                await store.Committer.CommitAsync(ws, new CommitRequest(
                    run.Id, "events", null, [new DatasetColumn("id", "BIGINT", null, true)], WriteMode.Append,
                    [new LakeFile($"alpha/events/{file}.parquet", 2, 10, new Dictionary<string, ColumnStats>())], new RunStats(2, 2, 0, 10))
                { SchemaChanges = changes }, null);
            }

            var snapshots = await store.Datasets.ListSnapshotsAsync(ws, "events");
            Assert.Equal(new WidenedColumn("id", "INTEGER", "BIGINT"), Assert.Single(snapshots[0].SchemaChanges!.Widened));
            Assert.Null(snapshots[1].SchemaChanges);
        }

        await migrator.DownAsync(26);

        await using (var rows = db.DataSource.CreateCommand("""
            SELECT string_agg(version || ':' || operation || ':' || row_count, ',' ORDER BY version),
                   (SELECT count(*) FROM information_schema.columns WHERE table_name = 'snapshots' AND column_name = 'schema_changes')
              FROM snapshots
            """))
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(("1:append:2,2:append:4", 0L), (reader.GetString(0), reader.GetInt64(1)));
        }

        await migrator.UpAsync();
        await using (var changes = db.DataSource.CreateCommand("SELECT count(*) FROM snapshots WHERE schema_changes IS NULL"))
        {
            Assert.Equal(2L, await changes.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task Applying_twice_changes_nothing_and_quartz_tables_exist()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        var migrator = new SchemaMigrator(db.DataSource);
        await migrator.UpAsync();
        var again = await migrator.UpAsync();
        Assert.Empty(again);

        var dump = await SchemaDumpAsync(db.DataSource);
        Assert.Contains("table quartz.qrtz_job_details", dump);
        Assert.Contains("table quartz.qrtz_locks", dump);
        Assert.Contains("table public.workspaces", dump);
    }

    [Fact]
    public async Task The_stack_database_is_at_the_newest_version()
    {
        await using var source = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        Assert.Equal(MigrationCatalog.All[^1].Version, await new SchemaMigrator(source).CurrentVersionAsync());
    }

    /// <summary>Tables, columns, constraints, indexes, views (with their queries), policies and functions outside the system schemas, sorted.</summary>
    private static async Task<List<string>> SchemaDumpAsync(NpgsqlDataSource source)
    {
        const string sql = """
            SELECT 'table ' || table_schema || '.' || table_name FROM information_schema.tables
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type
                   || ' ' || is_nullable || ' ' || coalesce(column_default, '')
              FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'constraint ' || n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
              FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'index ' || schemaname || '.' || indexname || ' ' || indexdef FROM pg_indexes
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'view ' || schemaname || '.' || viewname || ' ' || definition FROM pg_views
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname || ' ' || coalesce(qual, '') FROM pg_policies
            UNION ALL
            SELECT 'function ' || n.nspname || '.' || p.proname || ' ' || pg_get_function_identity_arguments(p.oid)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'schema ' || nspname FROM pg_namespace
             WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
            UNION ALL
            SELECT 'role-rls ' || relname || ' ' || relrowsecurity::text || ' ' || relforcerowsecurity::text
              FROM pg_class WHERE relkind = 'r' AND relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
            ORDER BY 1
            """;
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
