using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Sources;

/// <summary>PostgreSQL sources, incremental cursors and merge on key, through whole spec runs.</summary>
[Collection(StackDefinition.Name)]
public sealed class IncrementalAndMergeRunTests(StackFixture stack) : IAsyncLifetime
{
    private SourceRunHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await SourceRunHarness.CreateAsync(stack);
        // The scratch database doubles as the source database, under a name of its own.
        _h.Configuration["Ductus:Sources:Postgres:shop"] = _h.Db.ConnectionString;
        foreach (var connection in new[] { "shop", "nowhere", "ductus" })
        {
            // Granted, so the runs meet what lies behind each name (a source, nothing, the catalog).
            _h.GrantConnection(connection);
        }
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private const string OrdersSpec = """
        name: orders
        source:
          kind: postgres
          connection: shop
          query: SELECT id, customer, amount, updated_at FROM shop_orders
        incremental:
          cursor: updated_at
        contract:
          policy: fail
          columns:
            amount: { min: 0 }
        target:
          dataset: orders
        """;

    [Fact]
    public async Task A_postgres_source_runs_from_a_spec_into_the_lake_with_its_types()
    {
        await _h.ExecAsync("""
            CREATE TABLE shop_orders (id bigint, customer text, amount numeric(10,2), updated_at timestamptz);
            INSERT INTO shop_orders SELECT i, 'c' || (i % 3), i * 1.5, timestamptz '2026-01-01 00:00+00' + i * interval '1 minute' FROM generate_series(1, 1000) i;
            """);

        var run = await _h.RunAsync(OrdersSpec.Replace("incremental:\n  cursor: updated_at\n", "", StringComparison.Ordinal));

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(1000, run.RowsLoaded);
        var dataset = await _h.Catalog.Datasets.GetAsync(_h.Workspace, "orders");
        Assert.Equal(["BIGINT", "VARCHAR", "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE"], dataset!.Columns.Take(4).Select(c => c.Type));
        Assert.Equal([(1000L, 750_750m)], await _h.ReadAsync("orders", null, "SELECT count(*), sum(amount) FROM {files}", r => (r.GetInt64(0), r.GetDecimal(1))));
    }

    [Fact]
    public async Task An_unknown_or_catalog_connection_fails_the_run_with_its_name()
    {
        var unknown = await _h.RunAsync(OrdersSpec.Replace("connection: shop", "connection: nowhere", StringComparison.Ordinal));
        Assert.Equal(RunStatus.Failed, unknown.Status);
        Assert.Contains("no connection 'nowhere' is configured", unknown.Error, StringComparison.Ordinal);

        var catalog = await _h.RunAsync(OrdersSpec.Replace("connection: shop", "connection: ductus", StringComparison.Ordinal));
        Assert.Equal(RunStatus.Failed, catalog.Status);
        Assert.Contains("'ductus' is the service's own database", catalog.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_incremental_run_reads_only_new_rows_and_a_failed_run_does_not_move_the_watermark()
    {
        await _h.ExecAsync("""
            CREATE TABLE shop_orders (id bigint, customer text, amount numeric(10,2), updated_at timestamptz);
            INSERT INTO shop_orders VALUES (1, 'a', 10, '2026-01-01 01:00+00'), (2, 'b', 20, '2026-01-01 02:00+00'), (3, 'c', 30, '2026-01-01 03:00+00');
            """);

        var first = await _h.RunAsync(OrdersSpec);
        Assert.True(first.Status == RunStatus.Succeeded, first.Error);
        Assert.Equal(3, first.RowsRead);
        Assert.Equal("2026-01-01 03:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "orders"));

        // Two new rows, one of them broken: policy fail refuses the run, so nothing moves.
        await _h.ExecAsync("INSERT INTO shop_orders VALUES (4, 'd', -1, '2026-01-01 04:00+00'), (5, 'e', 50, '2026-01-01 05:00+00')");
        var failed = await _h.RunAsync(OrdersSpec);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(2, failed.RowsRead);
        Assert.Equal("2026-01-01 03:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "orders"));
        Assert.Equal(1, (await _h.Catalog.Datasets.GetAsync(_h.Workspace, "orders"))!.CurrentVersion);

        // Fixed at the source (which bumps its cursor): the next run reads exactly the rows after the last commit.
        await _h.ExecAsync("UPDATE shop_orders SET amount = 40, updated_at = '2026-01-01 06:00+00' WHERE id = 4");
        var fixedRun = await _h.RunAsync(OrdersSpec);
        Assert.True(fixedRun.Status == RunStatus.Succeeded, fixedRun.Error);
        Assert.Equal((2L, 2L), (fixedRun.RowsRead, fixedRun.RowsLoaded));
        Assert.Equal("2026-01-01 06:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "orders"));
        Assert.Equal([(5L, 5L, 150m)], await _h.ReadAsync("orders", null, "SELECT count(*), count(DISTINCT id), sum(amount) FROM {files}", r => (r.GetInt64(0), r.GetInt64(1), r.GetDecimal(2))));

        var nothingNew = await _h.RunAsync(OrdersSpec);
        Assert.True(nothingNew.Status == RunStatus.Succeeded, nothingNew.Error);
        Assert.Equal(0, nothingNew.RowsRead);
        Assert.Equal("2026-01-01 06:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "orders"));
    }

    [Fact]
    public async Task An_incremental_file_source_is_filtered_on_an_integer_cursor()
    {
        Directory.CreateDirectory(Path.Combine(_h.Root, "events"));
        await File.WriteAllTextAsync(Path.Combine(_h.Root, "events", "a.csv"), "seq,kind\n1,view\n2,click\n3,view\n");
        const string spec = """
            name: events
            source: { kind: csv, path: "events/*.csv" }
            incremental: { cursor: seq }
            target: { dataset: events }
            """;

        var first = await _h.RunAsync(spec);
        Assert.True(first.Status == RunStatus.Succeeded, first.Error);
        Assert.Equal("3", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "events"));

        // A new file next to the old one: only its rows are past the watermark; 10 sorts after 9 as a number.
        await File.WriteAllTextAsync(Path.Combine(_h.Root, "events", "b.csv"), "seq,kind\n9,click\n10,view\n");
        var second = await _h.RunAsync(spec);

        Assert.True(second.Status == RunStatus.Succeeded, second.Error);
        Assert.Equal((2L, 2L), (second.RowsRead, second.RowsLoaded));
        Assert.Equal("10", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "events"));
        Assert.Equal([5L], await _h.ReadAsync("events", null, "SELECT count(*) FROM {files}", r => r.GetInt64(0)));
    }

    private const string CustomersSpec = """
        name: customers
        source: { kind: csv, path: customers.csv, columns: { id: integer, name: varchar, tier: integer } }
        target: { dataset: customers, mode: merge, key: [id] }
        """;

    private Task CustomersAsync(string rows) => File.WriteAllTextAsync(Path.Combine(_h.Root, "customers.csv"), "id,name,tier\n" + rows);

    [Fact]
    public async Task Merge_updates_existing_keys_and_inserts_new_ones_in_one_snapshot()
    {
        await CustomersAsync("1,ann,1\n2,bob,1\n3,cy,2\n");
        Assert.Equal(RunStatus.Succeeded, (await _h.RunAsync(CustomersSpec)).Status);
        await CustomersAsync("10,dee,1\n11,eve,3\n");
        Assert.Equal(RunStatus.Succeeded, (await _h.RunAsync(CustomersSpec)).Status);
        var v2 = (await _h.Catalog.Datasets.GetSnapshotAsync(_h.Workspace, "customers", null))!;
        Assert.Equal(2, v2.Files.Count);

        // Keys 2 (changed) and 4 (new) can only be in the first file by its id range: the second
        // is moved away to prove the merge never opens it.
        await CustomersAsync("2,bob,5\n4,fay,1\n");
        var untouched = Path.Combine(_h.Lake, v2.Files[1].RelativePath);
        File.Move(untouched, untouched + ".away");
        var run = await _h.RunAsync(CustomersSpec);
        File.Move(untouched + ".away", untouched);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(2, run.RowsLoaded);
        Assert.Equal(3, run.SnapshotVersion);
        var v3 = (await _h.Catalog.Datasets.GetSnapshotAsync(_h.Workspace, "customers", null))!;
        Assert.Equal(6, v3.Snapshot.RowCount);
        Assert.DoesNotContain(v3.Files, f => f.RelativePath == v2.Files[0].RelativePath);
        Assert.Contains(v3.Files, f => f.RelativePath == v2.Files[1].RelativePath);
        Assert.Equal(3, v3.Files.Count);
        Assert.Equal(
            ["1 ann 1", "2 bob 5", "3 cy 2", "4 fay 1", "10 dee 1", "11 eve 3"],
            await _h.ReadAsync("customers", null, "SELECT concat_ws(' ', id, name, tier) FROM {files} ORDER BY id", r => r.GetString(0)));

        // Time travel: the previous snapshot still reads the old row from the original files.
        Assert.Equal(
            ["1 ann 1", "2 bob 1", "3 cy 2", "10 dee 1", "11 eve 3"],
            await _h.ReadAsync("customers", 2, "SELECT concat_ws(' ', id, name, tier) FROM {files} ORDER BY id", r => r.GetString(0)));
    }

    [Fact]
    public async Task Merge_refuses_a_run_with_the_same_key_twice_and_unique_key_quarantines_them()
    {
        await CustomersAsync("1,ann,1\n1,ann,2\n2,bob,1\n");

        var refused = await _h.RunAsync(CustomersSpec);

        Assert.Equal(RunStatus.Failed, refused.Status);
        Assert.Equal("load", refused.ErrorStep);
        Assert.Contains("more than one row for key 1", refused.Error, StringComparison.Ordinal);
        Assert.Null(await _h.Catalog.Datasets.GetSnapshotAsync(_h.Workspace, "customers", null));
        Assert.Empty(Directory.EnumerateFiles(_h.Lake, "*.parquet", SearchOption.AllDirectories));

        var quarantined = await _h.RunAsync(CustomersSpec.Replace("target:", "contract: { unique_key: [id] }\ntarget:", StringComparison.Ordinal));
        Assert.True(quarantined.Status == RunStatus.Succeeded, quarantined.Error);
        Assert.Equal((1L, 2L), (quarantined.RowsLoaded, quarantined.RowsRejected));
    }
}
