using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using DuckDB.NET.Data;
using Ductus.Api.Ingest;
using Ductus.Core.Catalog;
using Ductus.Core.Ingest;
using Ductus.Core.Migrations;
using Ductus.Pipelines.Ingest;
using Ductus.Tests.Infrastructure;
using Npgsql;
using static Ductus.Tests.Integration.Ingest.IngestTestKit;

namespace Ductus.Tests.Integration.Ingest;

/// <summary>Acknowledged records survive a Pipelines process killed mid-drain and a Redis outage.</summary>
[Collection(StackDefinition.Name)]
public sealed class IngestDurabilityTests(StackFixture stack)
{
    [Fact]
    public async Task Sigkill_of_the_pipelines_service_during_a_drain_loses_and_duplicates_nothing()
    {
        // A Pipelines process of our own on a database of its own, so killing it leaves the
        // stack's service alone and no other node can take the drain over.
        const string dataset = "pushed";
        const int batches = 100, perBatch = 4000;
        await using var backlog = await Backlog.CreateAsync(stack, "crash", dataset, "0/2 * * * * ?", batches, perBatch);
        var (db, root, lake, buffer) = (backlog.Db, backlog.Root, backlog.Lake, backlog.Buffer);

        var log = new StringBuilder();
        var first = StartPipelines(db.ConnectionString, root, log);
        try
        {
            await EventuallyAsync(db.DataSource, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND status = 'running'", n => n > 0, TimeSpan.FromSeconds(90), log);
            await Task.Delay(300);
            await KillMidRunAsync(first, db.DataSource, dataset);
            // Killed mid-drain (drains follow each other at once, so the first may have committed):
            // a run is left unfinished, and every record not committed by then still waits.
            Assert.True(await ScalarAsync(db.DataSource, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND status IN ('queued', 'running')") > 0);
            var committed = await ScalarAsync(db.DataSource, $"SELECT coalesce(sum(rows_loaded), 0) FROM runs WHERE dataset = '{dataset}' AND status = 'succeeded'");
            Assert.True(committed < batches * perBatch, $"all {committed} records were committed before the kill");
            Assert.Equal(
                (batches * perBatch) - committed,
                await ScalarAsync(db.DataSource, "SELECT count(*) FROM ingest_records r JOIN ingest_batches b ON b.id = r.batch_id WHERE b.consumed_at IS NULL"));
        }
        finally
        {
            first.Kill();
        }

        var second = StartPipelines(db.ConnectionString, root, log);
        try
        {
            await EventuallyAsync(db.DataSource, "SELECT count(*) FROM ingest_batches WHERE consumed_at IS NULL", n => n == 0, TimeSpan.FromSeconds(180), log);
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
        }

        // Consumed records wait in their slot for its TRUNCATE; none of a waiting batch is left, and
        // once the slots they were written in are not current, recycling empties the buffer.
        Assert.Equal(0, await ScalarAsync(db.DataSource, "SELECT count(*) FROM ingest_records r JOIN ingest_batches b ON b.id = r.batch_id WHERE b.consumed_at IS NULL"));
        var used = await ScalarAsync(db.DataSource, "SELECT coalesce(bit_or(1 << slot), 0) FROM ingest_batches");
        var idle = (short)Enumerable.Range(0, IngestSlots.Ring).First(s => (used & (1L << s)) == 0);
        await buffer.RecycleAsync(current: idle);
        Assert.Equal(0, await ScalarAsync(db.DataSource, "SELECT count(*) FROM ingest_records"));
        // 400,000 records in runs of at most 100,000: at least four commits, none larger.
        Assert.True(await ScalarAsync(db.DataSource, $"SELECT count(*) FROM snapshots WHERE dataset = '{dataset}'") >= (batches * perBatch) / MaxRecordsPerRun);
        Assert.Equal(0, await ScalarAsync(db.DataSource, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND rows_read > {MaxRecordsPerRun}"));
        var files = new List<string>();
        await using (var command = db.DataSource.CreateCommand($"""
            SELECT f.path FROM snapshot_files f JOIN datasets d ON d.workspace_id = f.workspace_id AND d.name = f.dataset AND d.current_version = f.version
             WHERE d.name = '{dataset}'
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                files.Add(Path.Combine(lake, reader.GetString(0)));
            }
        }

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var count = duck.CreateCommand();
        count.CommandText = $"SELECT count(*), count(DISTINCT id), min(id), max(id) FROM read_parquet([{string.Join(", ", files.Select(f => $"'{f}'"))}])";
        await using var result = await count.ExecuteReaderAsync();
        await result.ReadAsync();
        Assert.Equal(batches * perBatch, result.GetInt64(0));
        Assert.Equal(batches * perBatch, result.GetInt64(1));
        Assert.Equal(0, result.GetInt32(2));
        Assert.Equal((batches * perBatch) - 1, result.GetInt32(3));
    }

    [Fact]
    public async Task One_firing_drains_a_backlog_in_back_to_back_runs_without_waiting_for_another_trigger()
    {
        // No notice (the records go straight into the buffer) and a schedule that never fires:
        // the only firing is the first-load one at start, so every drain after the first is one
        // that firing started itself.
        const string dataset = "backlog";
        const int batches = 75, perBatch = 4000;
        await using var backlog = await Backlog.CreateAsync(stack, "backlog", dataset, "0 0 0 1 1 ? 2099", batches, perBatch);
        var (db, root) = (backlog.Db, backlog.Root);

        var log = new StringBuilder();
        var pipelines = StartPipelines(db.ConnectionString, root, log);
        try
        {
            await EventuallyAsync(db.DataSource, "SELECT count(*) FROM ingest_batches WHERE consumed_at IS NULL", n => n == 0, TimeSpan.FromSeconds(120), log);
        }
        finally
        {
            pipelines.Kill();
            await pipelines.WaitForExitAsync();
        }

        // 300,000 records in whole batches of 4,000, at most 100,000 a run: three runs, one snapshot each.
        Assert.Equal(3, await ScalarAsync(db.DataSource, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND status = 'succeeded'"));
        Assert.Equal(0, await ScalarAsync(db.DataSource, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND status <> 'succeeded'"));
        Assert.Equal(batches * perBatch, await ScalarAsync(db.DataSource, $"SELECT row_count FROM datasets WHERE name = '{dataset}'"));
    }

    [Fact]
    public async Task With_redis_down_pushes_are_still_acknowledged_and_drained_on_schedule()
    {
        var dataset = "ing_redis_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(stack.PipelinesFolder, $"{dataset}.yaml"), SpecYaml(dataset, "0/3 * * * * ?"));
        using var engineer = await stack.ClientForRoleAsync("engineer");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await engineer.GetAsync(new Uri($"/api/pipelines/{dataset}", UriKind.Relative))).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the spec dropped in the folder was never loaded");
            await Task.Delay(250);
        }

        Guid batch;
        await using (var outage = await RedisOutage.StartAsync(stack))
        {
            var (response, json) = await PushAsync(engineer, dataset, "id,name\n1,a\n2,b\n3,c\n", "text/csv");
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {json}");
            batch = json.GetProperty("batchId").GetGuid();

            // No notice could be sent: the schedule drains it, with Redis still down.
            var loaded = await LoadedAsync(engineer, dataset, batch, TimeSpan.FromSeconds(60));
            Assert.Equal(3, loaded.GetProperty("rowsLoaded").GetInt64());
        }

        var rows = await QueryAsync(engineer, $"SELECT count(*) FROM {dataset}");
        Assert.Equal(3, rows[0][0].GetInt64());
        File.Delete(Path.Combine(stack.PipelinesFolder, $"{dataset}.yaml"));
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Records(int from, int count)
    {
        await Task.Yield();
        for (var i = from; i < from + count; i++)
        {
            yield return Encoding.UTF8.GetBytes($$"""{"id": {{i}}, "name": "record {{i}} with some padding to make the drain take a while"}""");
        }
    }

    /// <summary>
    /// A database of its own, migrated; a root folder with an ingest pipeline spec of
    /// <c>{ id: integer, name: varchar }</c> on <paramref name="schedule"/>; and
    /// <paramref name="batches"/> acknowledged batches already in its buffer. Acknowledged =
    /// WriteAsync returned: the same call the endpoint answers 202 after.
    /// </summary>
    private sealed class Backlog : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _app;

        private Backlog(ScratchDatabase db, string root, NpgsqlDataSource app)
        {
            (Db, Root, _app) = (db, root, app);
            Buffer = new IngestDrainer(app, TimeProvider.System);
        }

        public ScratchDatabase Db { get; }

        public string Root { get; }

        public string Lake => Path.Combine(Root, "lake");

        public IngestDrainer Buffer { get; }

        public static async Task<Backlog> CreateAsync(StackFixture stack, string prefix, string dataset, string schedule, int batches, int perBatch)
        {
            var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
            await new SchemaMigrator(db.DataSource).UpAsync();
            var root = Path.Combine(stack.DataDirectory, prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
            var folder = Directory.CreateDirectory(Path.Combine(root, "pipelines")).FullName;
            Directory.CreateDirectory(Path.Combine(root, "lake"));
            Directory.CreateDirectory(Path.Combine(root, "data"));
            await File.WriteAllTextAsync(Path.Combine(folder, $"{dataset}.yaml"), $$"""
                name: {{dataset}}
                source:
                  kind: ingest
                  columns: { id: integer, name: varchar }
                contract:
                  columns:
                    id: { type: integer, required: true }
                target:
                  dataset: {{dataset}}
                schedule: "{{schedule}}"
                """);
            var backlog = new Backlog(db, root, NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString)));
            var workspace = await new CatalogStore(backlog._app, TimeProvider.System).Workspaces.EnsureAsync("default");
            var writer = new IngestWriter(backlog._app, TimeProvider.System);
            for (var b = 0; b < batches; b++)
            {
                await writer.WriteAsync(workspace, dataset, "ndjson", null, Records(b * perBatch, perBatch), () => 0);
            }

            return backlog;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            await Db.DisposeAsync();
        }
    }

    private const int MaxRecordsPerRun = 100_000;

    private Process StartPipelines(string connectionString, string root, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Pipelines.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        start.Environment["ConnectionStrings__ductus"] = connectionString;
        start.Environment["ConnectionStrings__redis"] = stack.RedisConnectionString;
        start.Environment["Ductus__Lake__Root"] = Path.Combine(root, "lake");
        start.Environment["Ductus__Pipelines__Folder"] = Path.Combine(root, "pipelines");
        start.Environment["Ductus__Sources__Roots__0"] = Path.Combine(root, "data");
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        // Bounded drains: the backlog is loaded by several runs, each committed on its own.
        start.Environment["Ductus__Pipelines__MaxIngestRecordsPerRun"] = MaxRecordsPerRun.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// SIGKILLs <paramref name="process"/> while a run of <paramref name="dataset"/> is unfinished.
    /// Killing at a fixed delay once landed between two drains (the run before committed, the
    /// next not yet created); so the process is frozen first (SIGSTOP: it cannot commit while the
    /// catalog is read) and killed only if a run is then queued or running, else let go and tried again.
    /// </summary>
    private static async Task KillMidRunAsync(Process process, NpgsqlDataSource db, string dataset)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await SignalAsync(process, "STOP");
            if (await ScalarAsync(db, $"SELECT count(*) FROM runs WHERE dataset = '{dataset}' AND status IN ('queued', 'running')") > 0)
            {
                process.Kill();
                await process.WaitForExitAsync();
                return;
            }

            await SignalAsync(process, "CONT");
            Assert.True(DateTime.UtcNow < deadline, $"no run of {dataset} was unfinished at any stop within 60 s");
            await Task.Delay(50);
        }
    }

    private static async Task SignalAsync(Process process, string signal)
    {
        var kill = await ExternalProcess.SignalAsync(process.Id, signal);
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {process.Id}: {kill}");
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task EventuallyAsync(NpgsqlDataSource db, string sql, Func<long, bool> done, TimeSpan timeout, StringBuilder log)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await ScalarAsync(db, sql);
            if (done(value))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                string tail;
                lock (log)
                {
                    tail = log.ToString();
                }

                throw new TimeoutException($"'{sql}' still {value} after {timeout}; Pipelines log tail:\n{tail[Math.Max(0, tail.Length - 4000)..]}");
            }

            await Task.Delay(200);
        }
    }
}
