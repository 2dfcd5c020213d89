using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Analytics.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Catalog;
using Microsoft.Extensions.Options;

namespace Ductus.Tests.Integration.Query;

/// <summary>
/// Real PostgreSQL catalog (as a role under row-level security), real Parquet files written by
/// DuckDB into a throwaway lake, committed through <see cref="CatalogStore"/>.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class QueryEngineTests(StackFixture stack) : IAsyncLifetime
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "ductus-query-lake-" + Guid.NewGuid().ToString("N")[..8]);
    private CatalogDatabase _db = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_lake);
        _db = await CatalogDatabase.CreateAsync(stack);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_lake, recursive: true);
    }

    private QueryEngine Engine(TimeSpan? timeout = null, int maxRows = 1000) =>
        new(_db.Store, Options.Create(new LakeOptions { Root = _lake }), Options.Create(new QueryOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            MaxRows = maxRows,
            MemoryLimit = "512MB",
            Threads = 2,
            ScratchDirectory = Path.Combine(_lake, ".scratch"),
        }));

    /// <summary>Writes <paramref name="select"/> as a Parquet file of the dataset and commits it as the next snapshot.</summary>
    private async Task<long> LoadAsync(Guid ws, string workspace, string dataset, string select, WriteMode mode = WriteMode.Replace)
    {
        var relative = $"{workspace}/{dataset}/{Guid.NewGuid():N}.parquet";
        var path = Path.Combine(_lake, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        long rows;
        await using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            await duck.OpenAsync();
            await using var copy = duck.CreateCommand();
            copy.CommandText = $"COPY ({select}) TO '{path}' (FORMAT parquet)";
            rows = Convert.ToInt64(await copy.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        var run = await _db.StartRunAsync(ws, dataset);
        var result = await _db.Store.Committer.CommitAsync(ws, CatalogDatabase.Request(run.Id, dataset, mode,
            new LakeFile(relative, rows, new FileInfo(path).Length, new Dictionary<string, ColumnStats>())));
        return result.Version;
    }

    private const string Flights = """
        SELECT * FROM (VALUES ('AMS', 'JFK', 10), ('AMS', 'LHR', -3), ('JFK', 'AMS', 25), ('LHR', 'AMS', NULL))
            AS t(origin, destination, delay)
        """;

    private async Task<Guid> AcmeWithFlightsAsync()
    {
        var ws = await _db.Store.Workspaces.EnsureAsync("acme");
        await LoadAsync(ws, "acme", "flights", Flights);
        return ws;
    }

    private static async Task<JsonDocument> JsonAsync(QuerySession session)
    {
        await using var cursor = await session.QueryAsync();
        using var buffer = new MemoryStream();
        await QueryResultWriter.WriteJsonAsync(cursor, buffer);
        return JsonDocument.Parse(buffer.ToArray());
    }

    private static string[][] Rows(JsonDocument json) =>
        [.. json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.ToString()).ToArray())];

    [Fact]
    public async Task A_query_over_a_dataset_returns_its_rows_with_duckdb_column_types()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine().OpenAsync(new QueryRequest(ws, "acme",
            "SELECT origin, count(*) AS n, sum(delay) AS total FROM flights WHERE origin <> $skip GROUP BY origin ORDER BY origin",
            new Dictionary<string, object?> { ["skip"] = "LHR" }));
        using var json = await JsonAsync(session);

        Assert.Equal(
            """[{"name":"origin","type":"VARCHAR"},{"name":"n","type":"BIGINT"},{"name":"total","type":"HUGEINT"}]""",
            json.RootElement.GetProperty("columns").GetRawText());
        Assert.Equal([["AMS", "2", "7"], ["JFK", "1", "25"]], Rows(json));
        Assert.False(json.RootElement.GetProperty("truncated").GetBoolean());
        Assert.Equal(1, session.Versions["flights"]);
    }

    [Fact]
    public async Task A_pinned_version_returns_the_old_data_after_a_new_snapshot()
    {
        var ws = await AcmeWithFlightsAsync();
        var v2 = await LoadAsync(ws, "acme", "flights", "SELECT 'SFO' AS origin, 'LAX' AS destination, 1 AS delay");
        Assert.Equal(2, v2);

        await using (var current = await Engine().OpenAsync(new QueryRequest(ws, "acme", "SELECT count(*) FROM flights")))
        {
            using var json = await JsonAsync(current);
            Assert.Equal([["1"]], Rows(json));
        }

        await using var pinned = await Engine().OpenAsync(new QueryRequest(ws, "acme", "SELECT count(*) FROM flights",
            Versions: new Dictionary<string, long> { ["flights"] = 1 }));
        using var old = await JsonAsync(pinned);
        Assert.Equal([["4"]], Rows(old));
        Assert.Equal(1, pinned.Versions["flights"]);
    }

    [Fact]
    public async Task A_pinned_version_that_does_not_exist_is_not_found()
    {
        var ws = await AcmeWithFlightsAsync();
        var missing = await Assert.ThrowsAsync<QueryNotFoundException>(() => Engine().OpenAsync(new QueryRequest(ws, "acme", "SELECT * FROM flights",
            Versions: new Dictionary<string, long> { ["flights"] = 7 })));
        Assert.Equal("dataset 'flights' has no version 7", missing.Message);
    }

    [Fact]
    public async Task Another_workspaces_dataset_is_an_unknown_dataset()
    {
        await AcmeWithFlightsAsync();
        var rival = await _db.Store.Workspaces.EnsureAsync("rival");
        await LoadAsync(rival, "rival", "secrets", "SELECT 'hunter2' AS password");

        var acme = await _db.Store.Workspaces.FindAsync("acme");
        var refused = await Assert.ThrowsAsync<QueryRefusedException>(() =>
            Engine().OpenAsync(new QueryRequest(acme!.Value, "acme", "SELECT * FROM secrets")));
        Assert.Equal("unknown dataset 'secrets'", refused.Message);

        // The folder comes from the name, the catalog rows from the id: they must agree.
        var mixed = await Assert.ThrowsAsync<QueryNotFoundException>(() =>
            Engine().OpenAsync(new QueryRequest(acme!.Value, "rival", "SELECT * FROM flights")));
        Assert.Equal("workspace 'rival' does not exist or does not have this id", mixed.Message);
    }

    [Fact]
    public async Task The_sandbox_refuses_a_file_outside_its_workspace_even_when_the_guard_is_bypassed()
    {
        await AcmeWithFlightsAsync();
        var rival = await _db.Store.Workspaces.EnsureAsync("rival");
        await LoadAsync(rival, "rival", "secrets", "SELECT 'hunter2' AS password");
        var secret = Directory.GetFiles(Path.Combine(_lake, "rival", "secrets"), "*.parquet").Single();
        var acmeFile = Directory.GetFiles(Path.Combine(_lake, "acme", "flights"), "*.parquet").Single();

        var options = new QueryOptions { ScratchDirectory = Path.Combine(_lake, ".scratch") };
        await using var sandbox = await QuerySandbox.OpenAsync(Path.Combine(_lake, "acme"),
            new Dictionary<string, IReadOnlyList<string>> { ["flights"] = [acmeFile] }, options);

        foreach (var escape in new[]
        {
            $"SELECT * FROM read_parquet('{secret}')",
            $"SELECT * FROM '{secret}'",
            "SELECT * FROM read_csv('/etc/passwd')",
            $"SELECT content FROM read_text('{secret}')",
        })
        {
            var failed = await Assert.ThrowsAsync<QueryFailedException>(async () =>
            {
                await using var leaked = await sandbox.QueryAsync(escape, null, 10, TimeSpan.FromSeconds(10));
                Assert.Fail($"{escape} returned {string.Join(", ", leaked.Columns)}");
            });
            Assert.True(
                failed.Message.Contains("Permission Error", StringComparison.Ordinal) || failed.Message.Contains("does not exist", StringComparison.Ordinal),
                failed.Message);
        }

        // The workspace's own view keeps working under the same lock.
        await using var cursor = await sandbox.QueryAsync("SELECT count(*) FROM flights", null, 10, TimeSpan.FromSeconds(10));
        Assert.True(cursor.Read());
        Assert.Equal(4L, cursor.Current[0]);
    }

    [Fact]
    public async Task The_sandbox_refuses_a_workspace_file_no_current_snapshot_lists_even_when_the_guard_is_bypassed()
    {
        var ws = await AcmeWithFlightsAsync();
        var replaced = Directory.GetFiles(Path.Combine(_lake, "acme", "flights"), "*.parquet").Single();
        await LoadAsync(ws, "acme", "flights", "SELECT 'SFO' AS origin, 'LAX' AS destination, 1 AS delay");
        await LoadAsync(ws, "acme", "unread", "SELECT 'hunter2' AS password");
        var unread = Directory.GetFiles(Path.Combine(_lake, "acme", "unread"), "*.parquet").Single();
        // What a deleted dataset and a failed run leave behind: files in the folder, in no snapshot.
        var deleted = Path.Combine(_lake, "acme", "deleted", "v1.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(deleted)!);
        File.Copy(replaced, deleted);
        var leftover = Path.Combine(_lake, "acme", "flights", "failed-run.parquet");
        File.Copy(replaced, leftover);

        // The views the engine builds: the current snapshot of each dataset the statement reads.
        var current = await _db.Store.Datasets.GetSnapshotAsync(ws, "flights", null);
        var files = current!.Files.Select(f => Path.GetFullPath(Path.Combine(_lake, f.RelativePath))).ToList();
        Assert.DoesNotContain(replaced, files);
        var options = new QueryOptions { ScratchDirectory = Path.Combine(_lake, ".scratch") };
        await using var sandbox = await QuerySandbox.OpenAsync(Path.Combine(_lake, "acme"),
            new Dictionary<string, IReadOnlyList<string>> { ["flights"] = files }, options);

        foreach (var unlisted in new[] { replaced, unread, deleted, leftover })
        {
            var failed = await Assert.ThrowsAsync<QueryFailedException>(async () =>
            {
                await using var leaked = await sandbox.QueryAsync($"SELECT * FROM read_parquet('{unlisted}')", null, 10, TimeSpan.FromSeconds(10));
                Assert.Fail($"{unlisted} was readable");
            });
            Assert.Contains("Permission Error", failed.Message, StringComparison.Ordinal);
        }

        await using var cursor = await sandbox.QueryAsync("SELECT origin FROM flights", null, 10, TimeSpan.FromSeconds(10));
        Assert.True(cursor.Read());
        Assert.Equal("SFO", cursor.Current[0]);
    }

    [Fact]
    public async Task A_timeout_interrupts_a_long_query()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine(timeout: TimeSpan.FromSeconds(1)).OpenAsync(new QueryRequest(ws, "acme",
            "SELECT count(*) FROM range(1000000000) a, range(1000000) b, flights"));

        var clock = Stopwatch.StartNew();
        var timedOut = await Assert.ThrowsAsync<QueryTimeoutException>(() => session.QueryAsync());
        clock.Stop();

        Assert.Contains("timeout of 1 s", timedOut.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"interrupt took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_row_cap_truncates_and_says_so()
    {
        var ws = await AcmeWithFlightsAsync();
        await using (var capped = await Engine(maxRows: 3).OpenAsync(new QueryRequest(ws, "acme", "SELECT origin FROM flights ORDER BY origin")))
        {
            using var json = await JsonAsync(capped);
            Assert.Equal(3, json.RootElement.GetProperty("rows").GetArrayLength());
            Assert.True(json.RootElement.GetProperty("truncated").GetBoolean());
        }

        // A request may lower the cap but not raise it.
        await using (var limited = await Engine(maxRows: 3).OpenAsync(new QueryRequest(ws, "acme", "SELECT origin FROM flights", Limit: 2)))
        {
            using var json = await JsonAsync(limited);
            Assert.Equal(2, json.RootElement.GetProperty("rows").GetArrayLength());
            Assert.True(json.RootElement.GetProperty("truncated").GetBoolean());
        }

        await using var exact = await Engine(maxRows: 4).OpenAsync(new QueryRequest(ws, "acme", "SELECT origin FROM flights"));
        using var all = await JsonAsync(exact);
        Assert.Equal(4, all.RootElement.GetProperty("rows").GetArrayLength());
        Assert.False(all.RootElement.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task A_csv_result_reads_back_as_the_expected_rows()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine().OpenAsync(new QueryRequest(ws, "acme",
            "SELECT origin, destination || ', \"x\"' AS label, delay FROM flights ORDER BY origin, destination"));
        await using var cursor = await session.QueryAsync();
        using var buffer = new MemoryStream();
        await QueryResultWriter.WriteCsvAsync(cursor, buffer);
        var csvPath = Path.Combine(_lake, "result.csv");
        await File.WriteAllBytesAsync(csvPath, buffer.ToArray());

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var read = duck.CreateCommand();
        read.CommandText = $"SELECT origin, label, delay FROM read_csv('{csvPath}', header = true) ORDER BY origin, label";
        var rows = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetValue(0)}|{reader.GetValue(1)}|{(reader.IsDBNull(2) ? "null" : reader.GetValue(2))}");
            }
        }

        Assert.Equal(["AMS|JFK, \"x\"|10", "AMS|LHR, \"x\"|-3", "JFK|AMS, \"x\"|25", "LHR|AMS, \"x\"|null"], rows);
        Assert.StartsWith("origin,label,delay\r\n", Encoding.UTF8.GetString(buffer.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parquet_result_reads_back_as_the_expected_rows()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine().OpenAsync(new QueryRequest(ws, "acme",
            "SELECT origin, delay FROM flights WHERE delay IS NOT NULL OR origin = $o ORDER BY origin, delay",
            new Dictionary<string, object?> { ["o"] = "LHR" }));
        var result = await session.WriteParquetAsync();
        Assert.False(result.Truncated);
        Assert.Equal(4, result.Rows);

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var read = duck.CreateCommand();
        read.CommandText = $"SELECT origin, delay FROM read_parquet('{result.Path}')";
        var rows = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetValue(0)}|{(reader.IsDBNull(1) ? "null" : reader.GetValue(1))}");
            }
        }

        Assert.Equal(["AMS|-3", "AMS|10", "JFK|25", "LHR|null"], rows);
    }

    [Fact]
    public async Task A_parquet_result_over_the_cap_is_cut_and_flagged()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine(maxRows: 2).OpenAsync(new QueryRequest(ws, "acme", "SELECT * FROM flights"));
        var result = await session.WriteParquetAsync();
        Assert.True(result.Truncated);
        Assert.Equal(2, result.Rows);
    }

    [Fact]
    public async Task Ndjson_writes_one_object_per_row()
    {
        var ws = await AcmeWithFlightsAsync();
        await using var session = await Engine().OpenAsync(new QueryRequest(ws, "acme",
            "SELECT origin, delay FROM flights WHERE origin = 'JFK'"));
        await using var cursor = await session.QueryAsync();
        using var buffer = new MemoryStream();
        await QueryResultWriter.WriteNdjsonAsync(cursor, buffer);
        Assert.Equal("{\"origin\":\"JFK\",\"delay\":25}\n", Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
