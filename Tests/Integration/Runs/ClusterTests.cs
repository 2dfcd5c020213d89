using System.Net;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.Catalog;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;
using Quartz;

namespace Ductus.Tests.Integration.Runs;

/// <summary>
/// Pipelines replicas as real processes on a private database: the Quartz cluster, recovery
/// after SIGKILL, misfires, retries, timeouts, cancel and alerts, observed from outside.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class ClusterTests(StackFixture stack) : IAsyncLifetime
{
    private const string Workspace = "default";

    private readonly string _root = Path.Combine("/var/tmp/ductus-tests", "cluster-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<ServiceProcess> _replicas = [];
    private ScratchDatabase _db = null!;
    private NpgsqlDataSource _app = null!;
    private CatalogStore _catalog = null!;

    private string Folder => Path.Combine(_root, "pipelines");

    private string Data => Path.Combine(_root, "data");

    private string Lake => Path.Combine(_root, "lake");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(Data);
        Directory.CreateDirectory(Lake);
        _db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(_db.DataSource).UpAsync();
        _app = NpgsqlDataSource.Create(CatalogRole.Adopt(_db.ConnectionString));
        _catalog = new CatalogStore(_app, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await _app.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static Task ServeCsvAsync(HttpListenerContext context, int rows) =>
        TestHttpServer.WriteAsync(context, CsvPipeline.Rows(rows), contentType: "text/csv");

    private Task WriteSpecAsync(string name, Uri source, string extra = "") =>
        File.WriteAllTextAsync(Path.Combine(Folder, $"{name}.yaml"), CsvPipeline.Spec(name, source.ToString(), extra));

    /// <summary>
    /// A replica with short cluster check-ins (a dead node is declared dead after ~3 s instead of
    /// the production ~15 s) and quick polling; everything else as deployed.
    /// </summary>
    private async Task<ServiceProcess> StartReplicaAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Ductus:Lake:Root"] = Lake,
            ["Ductus:Pipelines:Folder"] = Folder,
            ["Ductus:Pipelines:Workspace"] = Workspace,
            ["Ductus:Pipelines:PollInterval"] = "00:00:00.500",
            ["Ductus:Pipelines:CancelCheckInterval"] = "00:00:00.250",
            ["Ductus:Pipelines:ClusterCheckinInterval"] = "00:00:01",
            ["Ductus:Pipelines:ClusterCheckinMisfireThreshold"] = "00:00:02",
            // Runs in these tests come from their triggers only.
            ["Ductus:Pipelines:RunNeverLoadedAtStart"] = "false",
            ["Ductus:Sources:Roots:0"] = Data,
            // The test servers are on loopback.
            ["Ductus:Egress:AllowPrivateNetworks"] = "true",
            ["Ductus:Retention:Enabled"] = "false",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var replica = await PipelinesProcess.StartAsync(_db.ConnectionString, stack.RedisConnectionString, settings);
        _replicas.Add(replica);
        return replica;
    }

    private async Task<Guid> PipelineLoadedAsync(string name)
    {
        var ws = await Eventually.Async(() => _catalog.Workspaces.FindAsync(Workspace), w => w is not null, TimeSpan.FromSeconds(30), "the workspace");
        await Eventually.Async(() => _catalog.Pipelines.GetAsync(ws!.Value, name), p => p is not null, TimeSpan.FromSeconds(30), $"pipeline {name} in the catalog");
        return ws!.Value;
    }

    private async Task<IReadOnlyList<RunRecord>> RunsAsync(Guid ws, string pipeline) =>
        [.. (await _catalog.Runs.ListAsync(ws, new RunFilter(pipeline), null, 500)).Items.OrderBy(r => r.CreatedAt)];

    private Task<RunRecord?> FinishedAsync(Guid ws, Guid run, TimeSpan timeout) =>
        Eventually.Async(
            () => _catalog.Runs.GetAsync(ws, run),
            r => r?.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled,
            timeout,
            $"run {run} finishing");

    private string[] LakeFiles(string dataset)
    {
        var folder = Path.Combine(Lake, Workspace, dataset);
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.parquet") : [];
    }

    private string Logs => string.Join("\n---- next replica ----\n", _replicas.Select(r => r.Log));

    [Fact]
    public async Task Two_replicas_execute_each_trigger_once_and_never_one_pipeline_twice_at_once()
    {
        var name = "pair_" + Guid.NewGuid().ToString("N")[..8];
        int inFlight = 0, maxInFlight = 0;
        await using var source = new TestHttpServer(
            async context =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
                try
                {
                    // Long enough that a second execution of the same trigger would overlap this one.
                    await Task.Delay(1200);
                    await ServeCsvAsync(context, 10);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            },
            concurrent: true);
        const string cron = "0/2 * * * * ?";
        await WriteSpecAsync(name, new Uri(source.BaseUri, $"{name}.csv"), $"schedule: \"{cron}\"\n");
        await StartReplicaAsync();
        await StartReplicaAsync();
        var ws = await PipelineLoadedAsync(name);

        await Eventually.Async(
            () => RunsAsync(ws, name),
            r => r.Count(x => x.Status == RunStatus.Succeeded) >= 4,
            TimeSpan.FromSeconds(45),
            "four scheduled runs");
        // A one-shot trigger (a run queued through the API) is dispatched by both replicas' pollers.
        var queued = await _catalog.Runs.CreateAsync(ws, name, name, RunTrigger.Api);
        var api = await FinishedAsync(ws, queued.Id, TimeSpan.FromSeconds(30));
        foreach (var replica in _replicas)
        {
            await replica.KillAsync();
        }

        var all = await RunsAsync(ws, name);
        // The cron fires every 2 s: a fire just before the kill may have queued a run that no
        // replica started, which is neither finished nor attempted (CI, 2026-12-07).
        var runs = all.Where(r => r.Status != RunStatus.Queued).ToList();
        var finished = runs.Where(r => r.Status != RunStatus.Running).ToList();
        var context = $"runs: {string.Join("; ", all.Select(r => $"{r.Trigger} {r.Status} {r.StartedAt:HH:mm:ss.fff}-{r.FinishedAt:HH:mm:ss.fff} on {r.Node} attempt {r.Attempt}"))}";
        Assert.True(api!.Status == RunStatus.Succeeded, context + "\n" + Logs);
        Assert.Equal(1, api.Attempt);
        Assert.All(finished, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.All(runs, r => Assert.Equal(1, r.Attempt));
        Assert.Equal(1, maxInFlight);
        var ordered = finished.OrderBy(r => r.StartedAt).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].StartedAt >= ordered[i - 1].FinishedAt, "two runs overlapped: " + context);
        }

        // Never more runs than fire times: each cron time fired on one replica at most.
        var scheduled = all.Where(r => r.Trigger == RunTrigger.Schedule).ToList();
        var fires = FireTimes(cron, scheduled[0].CreatedAt - TimeSpan.FromSeconds(2), scheduled[^1].CreatedAt);
        Assert.True(scheduled.Count <= fires, $"{scheduled.Count} scheduled runs for {fires} fire times; " + context);
        // Every finished run appended its 10 rows exactly once.
        var dataset = await _catalog.Datasets.GetAsync(ws, name);
        Assert.Equal(10L * finished.Count, dataset!.RowCount);
        Assert.Equal(finished.Count, dataset.CurrentVersion);
    }

    [Fact]
    public async Task A_run_on_a_replica_killed_mid_run_is_completed_by_the_other_with_exactly_one_runs_rows()
    {
        var name = "kill_" + Guid.NewGuid().ToString("N")[..8];
        // The first execution stalls mid-extract until its node is dead.
        await using var source = new StallingCsvSource(rows: 1000, stalled: 1, longest: TimeSpan.FromSeconds(90));
        await WriteSpecAsync(name, source.For(name));
        await StartReplicaAsync();
        await StartReplicaAsync();
        var ws = await PipelineLoadedAsync(name);

        var queued = await _catalog.Runs.CreateAsync(ws, name, name, RunTrigger.Api);
        var running = await Eventually.Async(
            () => _catalog.Runs.GetAsync(ws, queued.Id),
            r => r!.Status == RunStatus.Running && source.Requests == 1,
            TimeSpan.FromSeconds(30),
            "the run starting on one replica");
        var victim = _replicas.Single(r => r.Node == running!.Node);
        var survivor = _replicas.Single(r => r != victim);
        await victim.KillAsync();
        source.Release();

        var done = await FinishedAsync(ws, queued.Id, TimeSpan.FromSeconds(45));
        Assert.True(done!.Status == RunStatus.Succeeded, $"{done.Status} {done.Error}\n{Logs}");
        Assert.Equal(survivor.Node, done.Node);
        Assert.Equal(2, done.Attempt);
        Assert.Equal(1000, done.RowsLoaded);
        Assert.Equal(2, source.Requests);
        Assert.Single(await RunsAsync(ws, name));

        // One snapshot, and the lake holds exactly its file: no orphan, no rows twice, none lost.
        var snapshots = await _catalog.Datasets.ListSnapshotsAsync(ws, name);
        Assert.Single(snapshots);
        var current = await _catalog.Datasets.GetSnapshotAsync(ws, name, null);
        var files = LakeFiles(name);
        Assert.Equal(
            current!.Files.Select(f => Path.GetFileName(f.RelativePath)).Order(),
            files.Select(Path.GetFileName).Order());
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var count = duck.CreateCommand();
        count.CommandText = $"SELECT count(*), count(DISTINCT id), count(DISTINCT _ductus_run_id) FROM read_parquet('{Path.Combine(Lake, Workspace, name)}/*.parquet')";
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1000L, 1000L, 1L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
    }

    [Fact]
    public async Task A_scheduler_down_over_several_fire_times_runs_the_pipeline_once_when_it_is_back()
    {
        var name = "misfire_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = new TestHttpServer(context => ServeCsvAsync(context, 5));
        // Four fire times, all while the only scheduler is down, and none after.
        var first = DateTimeOffset.UtcNow.AddSeconds(20);
        if (first.Second > 50)
        {
            first = first.AddSeconds(62 - first.Second);
        }

        var cron = $"{first.Second},{first.Second + 2},{first.Second + 4},{first.Second + 6} {first.Minute} {first.Hour} {first.Day} {first.Month} ? {first.Year}";
        var last = new DateTimeOffset(first.Year, first.Month, first.Day, first.Hour, first.Minute, first.Second, TimeSpan.Zero).AddSeconds(6);
        await WriteSpecAsync(name, new Uri(source.BaseUri, $"{name}.csv"), $"schedule: \"{cron}\"\n");
        var down = await StartReplicaAsync();
        var ws = await PipelineLoadedAsync(name);
        await Eventually.Async(
            async () =>
            {
                await using var command = _db.DataSource.CreateCommand("SELECT count(*) FROM quartz.qrtz_cron_triggers WHERE trigger_name = @name");
                command.Parameters.AddWithValue("name", $"{name}:cron");
                return (long)(await command.ExecuteScalarAsync())!;
            },
            n => n == 1,
            TimeSpan.FromSeconds(15),
            "the cron trigger in the job store");
        Assert.True(DateTimeOffset.UtcNow < first.AddSeconds(-1), "the replica took too long to start for the fire times chosen");
        await down.KillAsync();

        var wait = last.AddSeconds(3) - DateTimeOffset.UtcNow;
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        Assert.Empty(await RunsAsync(ws, name));
        var back = DateTimeOffset.UtcNow;
        await StartReplicaAsync();

        var runs = await Eventually.Async(() => RunsAsync(ws, name), r => r.Any(x => x.Status == RunStatus.Succeeded), TimeSpan.FromSeconds(30), "the missed schedule firing");
        // Time for the other missed fire times to show up, if they were going to.
        await Task.Delay(TimeSpan.FromSeconds(5));
        runs = await RunsAsync(ws, name);
        Assert.True(runs.Count == 1, $"{runs.Count} runs after the downtime\n{Logs}");
        Assert.True(runs[0].CreatedAt >= back, "the run happened before the scheduler was back");
        Assert.Equal(RunTrigger.Schedule, runs[0].Trigger);
    }

    [Fact]
    public async Task A_failing_run_is_retried_with_exponential_backoff_then_the_webhook_gets_the_failure_and_the_recovery()
    {
        var name = "retry_" + Guid.NewGuid().ToString("N")[..8];
        var failing = true;
        await using var source = new TestHttpServer(context =>
            Volatile.Read(ref failing) ? TestHttpServer.WriteAsync(context, "down for maintenance", 500, "text/plain") : ServeCsvAsync(context, 3));
        var alerts = new List<JsonElement>();
        await using var webhook = new TestHttpServer(async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.InputStream);
            lock (alerts)
            {
                alerts.Add(body.RootElement.Clone());
            }

            context.Response.StatusCode = 204;
        });
        await WriteSpecAsync(name, new Uri(source.BaseUri, $"{name}.csv"), "retries: { max: 3, backoff: 1s }\n");
        await StartReplicaAsync(
            ("Ductus:Alerts:WebhookUrl", new Uri(webhook.BaseUri, "hooks/ductus").ToString()),
            ("Ductus:Alerts:WebhookSecret", "cluster-test-webhook-secret-0123"),
            ("Ductus:Alerts:PublicApiUrl", "https://ductus.example/"));
        var ws = await PipelineLoadedAsync(name);

        var queued = await _catalog.Runs.CreateAsync(ws, name, name, RunTrigger.Api);
        await Eventually.Async(() => Task.FromResult(AlertCount(alerts)), n => n >= 1, TimeSpan.FromSeconds(45), "the failure alert");
        var runs = await RunsAsync(ws, name);

        // The queued run, then one run per retry.
        Assert.Equal(4, runs.Count);
        Assert.Equal(queued.Id, runs[0].Id);
        Assert.All(runs, r =>
        {
            Assert.Equal(RunStatus.Failed, r.Status);
            Assert.Equal("extract", r.ErrorStep);
            Assert.Contains("500", r.Error, StringComparison.Ordinal);
        });
        for (var retry = 1; retry <= 3; retry++)
        {
            // Backoff doubles per retry, jittered within its upper half: 1 s → [0.5, 1], 2 s → [1, 2], 4 s → [2, 4].
            var nominal = TimeSpan.FromSeconds(Math.Pow(2, retry - 1));
            var waited = runs[retry].StartedAt!.Value - runs[retry - 1].FinishedAt!.Value;
            Assert.InRange(waited, nominal / 2 - TimeSpan.FromMilliseconds(20), nominal + TimeSpan.FromSeconds(1));
        }

        var failure = Assert.Single(Snapshot(alerts));
        Assert.Equal("run.failed", failure.GetProperty("kind").GetString());
        Assert.Equal(name, failure.GetProperty("pipeline").GetString());
        Assert.Equal(runs[^1].Id, failure.GetProperty("runId").GetGuid());
        Assert.Contains("500", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal($"https://ductus.example/api/runs/{runs[^1].Id}", failure.GetProperty("link").GetString());

        Volatile.Write(ref failing, false);
        var next = await _catalog.Runs.CreateAsync(ws, name, name, RunTrigger.Api);
        var fixedRun = await FinishedAsync(ws, next.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Succeeded, fixedRun!.Status);
        await Eventually.Async(() => Task.FromResult(AlertCount(alerts)), n => n >= 2, TimeSpan.FromSeconds(15), "the recovery alert");
        var recovery = Snapshot(alerts)[1];
        Assert.Equal("run.recovered", recovery.GetProperty("kind").GetString());
        // The first success after the failure; on a slow machine that may be a run the scheduler
        // queued besides ours, so the run is checked for what it is, not for its id.
        var recovered = await _catalog.Runs.GetAsync(ws, recovery.GetProperty("runId").GetGuid());
        Assert.NotNull(recovered);
        Assert.Equal(name, recovered.Pipeline);
        Assert.Equal(RunStatus.Succeeded, recovered.Status);
        Assert.Equal("succeeded", recovery.GetProperty("status").GetString());
        Assert.Equal(2, AlertCount(alerts));
    }

    [Fact]
    public async Task A_run_past_its_timeout_fails_with_the_reason_and_a_cancelled_running_run_stops_and_leaves_nothing()
    {
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var source = new TestHttpServer(
            async context =>
            {
                await stalled.Task.WaitAsync(TimeSpan.FromSeconds(90));
                await ServeCsvAsync(context, 50);
            },
            concurrent: true);
        var slow = "timeout_" + Guid.NewGuid().ToString("N")[..8];
        var cancelled = "cancel_" + Guid.NewGuid().ToString("N")[..8];
        await WriteSpecAsync(slow, new Uri(source.BaseUri, $"{slow}.csv"), "timeout: 2s\n");
        await WriteSpecAsync(cancelled, new Uri(source.BaseUri, $"{cancelled}.csv"));
        var replica = await StartReplicaAsync();
        var ws = await PipelineLoadedAsync(slow);
        await PipelineLoadedAsync(cancelled);

        var timedOut = await _catalog.Runs.CreateAsync(ws, slow, slow, RunTrigger.Api);
        var toCancel = await _catalog.Runs.CreateAsync(ws, cancelled, cancelled, RunTrigger.Api);
        await Eventually.Async(() => _catalog.Runs.GetAsync(ws, toCancel.Id), r => r!.Status == RunStatus.Running, TimeSpan.FromSeconds(30), "the run to cancel starting");
        Assert.True(await _catalog.Runs.CancelAsync(ws, toCancel.Id));

        var failed = await FinishedAsync(ws, timedOut.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Failed, failed!.Status);
        Assert.Equal("extract", failed.ErrorStep);
        Assert.Equal("timed out after 2s", failed.Error);
        Assert.InRange(failed.FinishedAt!.Value - failed.StartedAt!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));

        // The executing node noticed the cancel and stopped the run itself.
        await Eventually.Async(
            () => Task.FromResult(replica.Log.Contains($"Run {toCancel.Id} of {cancelled} was cancelled", StringComparison.Ordinal)),
            seen => seen,
            TimeSpan.FromSeconds(15),
            "the node stopping the cancelled run");
        // Had the run kept going, the source answering now would let it commit.
        stalled.SetResult();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(RunStatus.Cancelled, (await _catalog.Runs.GetAsync(ws, toCancel.Id))!.Status);
        foreach (var dataset in new[] { slow, cancelled })
        {
            Assert.Null(await _catalog.Datasets.GetAsync(ws, dataset));
            Assert.Empty(LakeFiles(dataset));
        }
    }

    private static int AlertCount(List<JsonElement> alerts)
    {
        lock (alerts)
        {
            return alerts.Count;
        }
    }

    private static List<JsonElement> Snapshot(List<JsonElement> alerts)
    {
        lock (alerts)
        {
            return [.. alerts];
        }
    }

    private static int FireTimes(string cron, DateTimeOffset from, DateTimeOffset to)
    {
        var expression = new CronExpression(cron, TimeZoneInfo.Utc);
        var count = 0;
        for (var next = expression.GetNextValidTimeAfter(from); next is { } t && t <= to; next = expression.GetNextValidTimeAfter(t))
        {
            count++;
        }

        return count;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
