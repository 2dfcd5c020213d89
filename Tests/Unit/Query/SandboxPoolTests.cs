using System.Globalization;
using DuckDB.NET.Data;
using Ductus.Analytics.Query;
using Microsoft.Extensions.Options;

namespace Ductus.Tests.Unit.Query;

/// <summary>
/// The warm sandbox pool on real DuckDB and real Parquet files. Statements here run on the query's
/// connection directly, never through the guard: they play a statement that slipped past it.
/// </summary>
public sealed class SandboxPoolTests : IAsyncLifetime
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "ductus-pool-" + Guid.NewGuid().ToString("N")[..8]);
    private SandboxPool _pool = null!;

    private string Acme => Path.Combine(_lake, "acme");

    public async Task InitializeAsync()
    {
        _pool = NewPool(Path.Combine(_lake, ".scratch"));
        await WriteAsync(Path.Combine(Acme, "flights", "v1.parquet"), "SELECT * FROM (VALUES ('AMS', 10), ('JFK', 25), ('LHR', NULL)) AS t(origin, delay)");
        await WriteAsync(Path.Combine(Acme, "flights", "v2.parquet"), "SELECT 'SFO' AS origin, 1 AS delay");
        await WriteAsync(Path.Combine(_lake, "rival", "secrets", "v1.parquet"), "SELECT 'hunter2' AS password");
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        Directory.Delete(_lake, recursive: true);
    }

    private static SandboxPool NewPool(string scratch) =>
        new(Options.Create(new QueryOptions { PoolSize = 2, ScratchDirectory = scratch }));

    private static async Task WriteAsync(string path, string select)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var copy = duck.CreateCommand();
        copy.CommandText = $"COPY ({select}) TO '{path}' (FORMAT parquet)";
        await copy.ExecuteNonQueryAsync();
    }

    private Dictionary<string, IReadOnlyList<string>> Flights(string version = "v1") =>
        new() { ["flights"] = [Path.Combine(Acme, "flights", version + ".parquet")] };

    private static void Execute(QuerySandbox sandbox, string sql)
    {
        using var command = sandbox.Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(QuerySandbox sandbox, string sql)
    {
        using var command = sandbox.Connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task<long> CountAsync(QuerySandbox sandbox, string sql = "SELECT count(*) FROM flights")
    {
        await using var cursor = await sandbox.QueryAsync(sql, null, 10, TimeSpan.FromSeconds(10));
        Assert.True(cursor.Read());
        return Convert.ToInt64(cursor.Current[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Returning happens off the response path: wait for it.</summary>
    private async Task SettledAsync(int idle, long discarded)
    {
        for (var i = 0; i < 200 && (_pool.Idle != idle || _pool.Discarded != discarded); i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(idle, _pool.Idle);
        Assert.Equal(discarded, _pool.Discarded);
    }

    /// <summary>A closed instance's scratch folder is deleted with it.</summary>
    private static async Task ClosedAsync(string scratch)
    {
        for (var i = 0; i < 200 && Directory.Exists(scratch); i++)
        {
            await Task.Delay(50);
        }

        Assert.False(Directory.Exists(scratch));
    }

    [Fact]
    public async Task A_returned_instance_serves_the_next_query_without_anything_the_last_one_left()
    {
        string scratch;
        await using (var first = await _pool.OpenAsync(Acme, Flights()))
        {
            scratch = first.ScratchFolder;
            Assert.Equal(3, await CountAsync(first));
            var parquet = await first.WriteParquetAsync("SELECT * FROM flights", null, 10, TimeSpan.FromSeconds(10));
            Assert.True(File.Exists(parquet.Path));
            Execute(first, "CREATE TEMP TABLE leak AS SELECT 1 AS x");
            Execute(first, "CREATE MACRO leak_macro(x) AS x + 1");
            Execute(first, "CREATE TABLE main.leak_table AS SELECT 1 AS x");
            Execute(first, "SET VARIABLE leak_variable = 42");
            Execute(first, "SET SESSION search_path = 'temp'");
            Assert.Equal(42, Scalar(first, "SELECT getvariable('leak_variable')"));
        }

        // The connection's transaction was rolled back: the instance is back, unchanged.
        await SettledAsync(idle: 1, discarded: 0);
        await using var second = await _pool.OpenAsync(Acme, Flights());
        Assert.Equal(scratch, second.ScratchFolder);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch));
        Assert.Equal(3, await CountAsync(second));
        Assert.Equal(DBNull.Value, Scalar(second, "SELECT getvariable('leak_variable')"));
        Assert.Equal(0L, Scalar(second, "SELECT count(*) FROM duckdb_tables()"));
        Assert.Equal(0L, Scalar(second, "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'leak_macro'"));
        Assert.Equal("main", Scalar(second, "SELECT current_schema()"));
        foreach (var gone in new[] { "SELECT * FROM leak", "SELECT * FROM ductus_result" })
        {
            var failed = await Assert.ThrowsAsync<QueryFailedException>(async () => await CountAsync(second, gone));
            Assert.Contains("does not exist", failed.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("CREATE TABLE leak AS SELECT 1 AS x")]
    [InlineData("CREATE OR REPLACE VIEW flights AS SELECT 'evil' AS origin")]
    [InlineData("ATTACH ':memory:' AS other")]
    [InlineData("CREATE SCHEMA other")]
    [InlineData("CREATE SEQUENCE counter")]
    [InlineData("CREATE TYPE mood AS ENUM ('a', 'b')")]
    public async Task An_instance_whose_catalog_a_committed_statement_changed_is_dropped(string change)
    {
        string scratch;
        await using (var first = await _pool.OpenAsync(Acme, Flights()))
        {
            scratch = first.ScratchFolder;
            Execute(first, "COMMIT");
            Execute(first, change);
        }

        await SettledAsync(idle: 0, discarded: 1);
        await ClosedAsync(scratch);
        await using var next = await _pool.OpenAsync(Acme, Flights());
        Assert.NotEqual(scratch, next.ScratchFolder);
        Assert.Equal(3, await CountAsync(next));
        Assert.Equal(0L, Scalar(next, "SELECT count(*) FROM duckdb_tables()"));
    }

    [Fact]
    public async Task An_instance_is_only_reused_for_the_same_workspace_and_the_same_files()
    {
        string scratch;
        await using (var acme = await _pool.OpenAsync(Acme, Flights()))
        {
            scratch = acme.ScratchFolder;
        }

        await SettledAsync(idle: 1, discarded: 0);
        await using (var newSnapshot = await _pool.OpenAsync(Acme, Flights("v2")))
        {
            Assert.NotEqual(scratch, newSnapshot.ScratchFolder);
            Assert.Equal(1, await CountAsync(newSnapshot));
        }

        await using var rival = await _pool.OpenAsync(Path.Combine(_lake, "rival"), new Dictionary<string, IReadOnlyList<string>>
        {
            ["secrets"] = [Path.Combine(_lake, "rival", "secrets", "v1.parquet")],
        });
        Assert.NotEqual(scratch, rival.ScratchFolder);
        var refused = await Assert.ThrowsAsync<QueryFailedException>(async () =>
            await CountAsync(rival, $"SELECT count(*) FROM read_parquet('{Path.Combine(Acme, "flights", "v1.parquet")}')"));
        Assert.Contains("Permission Error", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reused_instance_stays_locked_down()
    {
        await using (var first = await _pool.OpenAsync(Acme, Flights()))
        {
            Assert.Equal(3, await CountAsync(first));
        }

        await SettledAsync(idle: 1, discarded: 0);
        await using var reused = await _pool.OpenAsync(Acme, Flights());
        var locked = Assert.ThrowsAny<DuckDBException>(() => Execute(reused, "SET enable_external_access = true"));
        Assert.Contains("configuration has been locked", locked.Message, StringComparison.Ordinal);
        foreach (var escape in new[]
        {
            "SELECT count(*) FROM read_csv('/etc/passwd')",
            $"SELECT count(*) FROM read_parquet('{Path.Combine(_lake, "rival", "secrets", "v1.parquet")}')",
        })
        {
            var failed = await Assert.ThrowsAsync<QueryFailedException>(async () => await CountAsync(reused, escape));
            Assert.Contains("Permission Error", failed.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The lake keeps files no view of this query lists: the snapshot before (v1 here, replaced by
    /// v2), a deleted dataset's, a failed run's leftover. None of them is reachable, by name, by a
    /// glob over the folder or by a path that walks back into it, while the listed file still is.
    /// </summary>
    [Fact]
    public async Task A_workspace_file_that_no_view_lists_is_out_of_reach()
    {
        await WriteAsync(Path.Combine(Acme, "deleted", "v1.parquet"), "SELECT 'gone' AS origin");
        await WriteAsync(Path.Combine(Acme, "flights", "leftover-of-a-failed-run.parquet"), "SELECT 'half' AS origin");
        var listed = Path.Combine(Acme, "flights", "v2.parquet");
        await using var sandbox = await _pool.OpenAsync(Acme, Flights("v2"));

        foreach (var unlisted in new[]
        {
            $"SELECT count(*) FROM read_parquet('{Path.Combine(Acme, "flights", "v1.parquet")}')",
            $"SELECT count(*) FROM '{Path.Combine(Acme, "flights", "v1.parquet")}'",
            $"SELECT count(*) FROM read_parquet('{Path.Combine(Acme, "deleted", "v1.parquet")}')",
            $"SELECT count(*) FROM read_parquet('{Path.Combine(Acme, "flights", "leftover-of-a-failed-run.parquet")}')",
            $"SELECT count(*) FROM read_parquet('{Path.Combine(Acme, "flights", "*.parquet")}')",
            $"SELECT count(*) FROM read_parquet('{listed}/../v1.parquet')",
            $"SELECT count(*) FROM read_parquet('{Acme}/flights/../flights/v1.parquet')",
            $"SELECT count(*) FROM glob('{Acme}/*/*')",
            $"SELECT count(*) FROM read_blob('{Path.Combine(Acme, "flights", "v1.parquet")}')",
        })
        {
            var failed = await Assert.ThrowsAsync<QueryFailedException>(async () => await CountAsync(sandbox, unlisted));
            Assert.Contains("Permission Error", failed.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, await CountAsync(sandbox));
        Assert.Equal(1, await CountAsync(sandbox, $"SELECT count(*) FROM read_parquet('{listed}')"));
    }

    [Fact]
    public async Task The_pool_keeps_at_most_its_size_and_closes_the_least_recently_used()
    {
        var sandboxes = new List<QuerySandbox>();
        for (var i = 0; i < 3; i++)
        {
            sandboxes.Add(await _pool.OpenAsync(Acme, Flights()));
        }

        var scratches = sandboxes.Select(s => s.ScratchFolder).ToList();
        Assert.Equal(3, scratches.Distinct().Count());
        foreach (var sandbox in sandboxes)
        {
            await sandbox.DisposeAsync();
            // One at a time, so "least recently used" is well defined.
            await SettledAsync(idle: Math.Min(sandboxes.IndexOf(sandbox) + 1, 2), discarded: 0);
        }

        // The evicted instance is closed right after it left the pool.
        await ClosedAsync(scratches[0]);
        Assert.True(Directory.Exists(scratches[1]));
        Assert.True(Directory.Exists(scratches[2]));
    }
}
