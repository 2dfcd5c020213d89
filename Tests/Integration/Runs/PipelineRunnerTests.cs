using System.Diagnostics;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Migrations;
using Ductus.Core.Telemetry;
using Ductus.Pipelines;
using Ductus.Pipelines.Lake;
using Ductus.Pipelines.Runs;
using Ductus.Pipelines.Scheduling;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ductus.Tests.Integration.Runs;

/// <summary>Whole runs: engine + reject store + catalog commit on the stack's real PostgreSQL.</summary>
[Collection(StackDefinition.Name)]
public sealed class PipelineRunnerTests(StackFixture stack) : IAsyncLifetime, IDisposable
{

    private readonly EngineScratch _scratch = new();
    private ScratchDatabase _db = null!;
    private NpgsqlDataSource _app = null!;
    private CatalogStore _catalog = null!;
    private RejectStore _rejects = null!;
    private Guid _ws;

    public async Task InitializeAsync()
    {
        _db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(_db.DataSource).UpAsync();
        // The services' view of the database: the app role, held to row-level security.
        _app = NpgsqlDataSource.Create(CatalogRole.Adopt(_db.ConnectionString));
        _catalog = new CatalogStore(_app, TimeProvider.System);
        _rejects = new RejectStore(_app);
        _ws = await _catalog.Workspaces.EnsureAsync("ws1");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _db.DisposeAsync();
    }

    public void Dispose() => _scratch.Dispose();

    private PipelineRunner Runner() => new(_catalog, _rejects, _scratch.Engine, _scratch.Lake, NullLogger<PipelineRunner>.Instance);

    private static Core.Specs.PipelineSpec Parse(string policy) => EngineScratch.Parse(FlightsTestSpec.Yaml(policy: policy, description: "test flights"));

    [Fact]
    public async Task Rejected_rows_keep_the_rule_they_broke_and_good_rows_are_committed()
    {
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal((8L, 4L, 4L), (run.RowsRead, run.RowsLoaded, run.RowsRejected));
        Assert.Equal(1, run.SnapshotVersion);

        var snapshot = await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null);
        Assert.NotNull(snapshot);
        Assert.Equal(4, snapshot.Snapshot.RowCount);
        var file = Assert.Single(snapshot.Files);
        Assert.True(File.Exists(Path.Combine(_scratch.Lake, file.RelativePath)));
        Assert.Equal(4, await EngineScratch.QueryAsync($"SELECT count(*) FROM read_parquet('{Path.Combine(_scratch.Lake, file.RelativePath)}')", r => r.GetInt64(0)).ContinueWith(t => t.Result[0]));

        var dataset = await _catalog.Datasets.GetAsync(_ws, "flights");
        Assert.Equal("miles", dataset!.Columns.Single(c => c.Name == "distance").Description);

        var stored = await _rejects.ListAsync(_ws, run.Id, null, 100);
        Assert.Equal(4, stored.Items.Count);
        var both = Assert.Single(stored.Items, r => r.Rules.Contains("different_airports"));
        Assert.Equal(["distance.min", "different_airports"], both.Rules);
        Assert.Contains("distance 0 is below min 1", both.Message, StringComparison.Ordinal);
        Assert.Contains("\"origin\": \"JFK\"", both.ValuesJson!.Replace("\":\"", "\": \"", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appends_ask_the_background_compactor_which_folds_a_full_tier_into_one_file_and_keeps_every_row_and_older_versions()
    {
        var compactor = new LakeCompactor(_catalog, _scratch.Lake, NullLogger<LakeCompactor>.Instance) { FilesPerTier = 3 };
        var background = new BackgroundCompaction(compactor, NullLogger<BackgroundCompaction>.Instance);
        var runner = new PipelineRunner(_catalog, _rejects, _scratch.Engine, _scratch.Lake, NullLogger<PipelineRunner>.Instance) { Compaction = background };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(RunStatus.Succeeded, (await runner.RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None)).Status);
        }

        // The third append left three tier-0 files and asked; its own commit did not wait for a rewrite.
        var before = (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!;
        Assert.Equal((3, SnapshotOperation.Append), (before.Files.Count, before.Snapshot.Operation));
        Assert.Equal(0, background.Completed);

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var worker = background.RunAsync(stop.Token);
            while (background.Completed == 0 && !stop.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            await stop.CancelAsync();
            await worker;
        }

        Assert.Equal(1, background.Completed);
        var after = (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!;
        Assert.Equal((before.Snapshot.Version + 1, SnapshotOperation.Compact, (Guid?)null), (after.Snapshot.Version, after.Snapshot.Operation, after.Snapshot.RunId));
        var compacted = Assert.Single(after.Files);
        Assert.StartsWith("ws1/flights/compact-", compacted.RelativePath, StringComparison.Ordinal);
        Assert.Equal((12L, 12L), (compacted.Rows, after.Snapshot.RowCount));
        Assert.Equal(before.Files.Sum(f => f.Rows), compacted.Rows);
        Assert.Equal(
            before.Files.Select(f => f.Stats["distance"].Min).Min(StringComparer.Ordinal),
            compacted.Stats["distance"].Min);
        Assert.Equal(before.Files.Sum(f => f.Stats["distance"].NullCount), compacted.Stats["distance"].NullCount);

        // Every row once, as the separate files held them.
        var all = string.Join(", ", after.Files.Select(f => $"'{Path.Combine(_scratch.Lake, f.RelativePath)}'"));
        var old = string.Join(", ", before.Files.Select(f => $"'{Path.Combine(_scratch.Lake, f.RelativePath)}'"));
        var sums = await EngineScratch.QueryAsync(
            $"SELECT (SELECT count(*) || '/' || sum(distance) FROM read_parquet([{all}])), (SELECT count(*) || '/' || sum(distance) FROM read_parquet([{old}]))",
            r => (r.GetString(0), r.GetString(1)));
        Assert.Equal(sums[0].Item2, sums[0].Item1);
        Assert.StartsWith("12/", sums[0].Item1, StringComparison.Ordinal);

        // Time travel: the version before still lists (and finds) its own three files.
        var previous = (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", before.Snapshot.Version))!;
        Assert.Equal(3, previous.Files.Count);
        Assert.All(previous.Files, f => Assert.True(File.Exists(Path.Combine(_scratch.Lake, f.RelativePath))));

        // Nothing more is due: a second pass commits nothing and writes no file.
        Assert.Empty(await compactor.CompactAsync(_ws, "ws1", "flights", CancellationToken.None));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_scratch.Lake, "ws1", "flights"), "*.parquet").Length);
    }

    [Fact]
    public async Task A_compaction_that_fails_does_not_stop_the_background_worker_from_serving_the_next()
    {
        var runner = new PipelineRunner(_catalog, _rejects, _scratch.Engine, _scratch.Lake, NullLogger<PipelineRunner>.Instance);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(RunStatus.Succeeded, (await runner.RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None)).Status);
        }

        var compactor = new LakeCompactor(_catalog, _scratch.Lake, NullLogger<LakeCompactor>.Instance) { FilesPerTier = 2 };
        var background = new BackgroundCompaction(compactor, NullLogger<BackgroundCompaction>.Instance);
        await Assert.ThrowsAsync<ArgumentException>(() => compactor.CompactOnceAsync(_ws, "..", "flights", CancellationToken.None));
        background.Request(_ws, "..", "flights");
        // Asked twice while waiting: compacted once.
        background.Request(_ws, "ws1", "flights");
        background.Request(_ws, "ws1", "flights");
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var worker = background.RunAsync(stop.Token);
            while (background.Completed == 0 && !stop.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            await Task.Delay(200, CancellationToken.None);
            await stop.CancelAsync();
            await worker;
        }

        Assert.Equal(1, background.Completed);
        var current = (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!;
        Assert.Equal((SnapshotOperation.Compact, 8L), (current.Snapshot.Operation, current.Snapshot.RowCount));
        Assert.Single(current.Files);
        Assert.Equal(3, (await _catalog.Datasets.ListSnapshotsAsync(_ws, "flights")).Count);
    }

    [Fact]
    public async Task A_failing_run_leaves_nothing_visible_but_keeps_its_rejects()
    {
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("fail"), RunTrigger.Manual), CancellationToken.None);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("contract", run.ErrorStep);
        Assert.Null(run.SnapshotVersion);
        Assert.Null(await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null));
        Assert.Empty(Directory.EnumerateFiles(_scratch.Lake, "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(4, await _rejects.CountAsync(_ws, run.Id));
    }

    [Fact]
    public async Task Replay_resubmits_rejected_rows_through_the_current_spec_as_a_new_run()
    {
        var first = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None);

        // The fix: the author decides lowercase codes and long delays are fine after all.
        var fixedSpec = Parse("quarantine") with
        {
            Contract = Parse("quarantine").Contract! with
            {
                Columns = [.. Parse("quarantine").Contract!.Columns.Select(c => c.Name switch
                {
                    "origin" => c with { Pattern = "^[A-Za-z]{3}$" },
                    "delay" => c with { Max = "5000" },
                    _ => c,
                })],
            },
        };
        var replay = await Runner().RunAsync(new RunRequest(_ws, "ws1", fixedSpec, RunTrigger.Replay, ReplayOf: first.Id), CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, replay.Status);
        Assert.Equal(first.Id, replay.ReplayOf);
        Assert.Equal(RunTrigger.Replay, replay.Trigger);
        Assert.Equal(4, replay.RowsRead);
        Assert.Equal(2, replay.RowsLoaded); // the late flight and the lowercase origin
        Assert.Equal(2, replay.RowsRejected); // same airports, missing destination: still wrong
        Assert.Equal(2, replay.SnapshotVersion);
        Assert.Equal(6, (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!.Snapshot.RowCount);
    }

    [Fact]
    public async Task Replaying_into_a_replace_dataset_adds_the_recovered_rows_to_the_loaded_ones()
    {
        // Replacing with the replayed rows alone would drop every row the first run loaded.
        var spec = EngineScratch.Parse(FlightsTestSpec.Yaml(mode: "replace"));
        var first = await Runner().RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        var relaxed = spec with
        {
            Contract = spec.Contract! with { Columns = [.. spec.Contract.Columns.Select(c => c.Name == "delay" ? c with { Max = "5000" } : c)] },
        };

        var replay = await Runner().RunAsync(new RunRequest(_ws, "ws1", relaxed, RunTrigger.Replay, ReplayOf: first.Id), CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, replay.Status);
        Assert.Equal(1, replay.RowsLoaded); // the late flight
        var snapshot = (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!.Snapshot;
        Assert.Equal((2, 5L), (snapshot.Version, snapshot.RowCount));

        // The next ordinary run replaces as its spec says.
        var again = await Runner().RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        Assert.Equal(4L, (await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null))!.Snapshot.RowCount);
        Assert.Equal(3, again.SnapshotVersion);
    }

    [Fact]
    public async Task A_cancelled_run_is_recorded_as_cancelled_and_commits_nothing()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), cancel.Token).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Null(await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null));
    }

    [Fact]
    public async Task The_command_line_summary_names_counts_steps_and_where_the_rejects_are()
    {
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None);
        var summary = PipelinesCli.Summary(run);

        Assert.StartsWith($"run {run.Id} flights → flights: succeeded (snapshot v1)", summary, StringComparison.Ordinal);
        Assert.Contains("rows read 8, loaded 4, rejected 4 (50.00 %)", summary, StringComparison.Ordinal);
        Assert.Contains("extract ", summary, StringComparison.Ordinal);
        Assert.Contains($"rejected rows: GET /api/runs/{run.Id}/rejects", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_is_one_trace_with_a_span_per_step_carrying_row_counts()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DuctusTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", Parse("quarantine"), RunTrigger.Manual), CancellationToken.None);

        List<Activity> mine;
        lock (spans)
        {
            // Other tests may run pipelines at the same time: keep this run's trace only.
            var root = spans.Single(a => a.OperationName == "pipeline.run" && Equals(a.GetTagItem("ductus.run_id"), run.Id.ToString()));
            mine = [.. spans.Where(a => a.TraceId == root.TraceId)];
        }

        var runSpan = mine.Single(a => a.OperationName == "pipeline.run");
        Assert.Null(runSpan.Parent);
        var steps = mine.Where(a => a != runSpan).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(["extract", "transform", "contract", "load", "commit"], steps.Select(a => a.OperationName));
        Assert.All(steps, a => Assert.Equal(runSpan.SpanId, a.ParentSpanId));
        var contract = steps.Single(a => a.OperationName == "contract");
        Assert.Equal((8L, 4L), ((long)contract.GetTagItem("ductus.rows.read")!, (long)contract.GetTagItem("ductus.rows.rejected")!));
        Assert.Equal(4L, steps.Single(a => a.OperationName == "load").GetTagItem("ductus.rows.loaded"));
        var commit = steps.Single(a => a.OperationName == "commit");
        Assert.Equal(4L, commit.GetTagItem("ductus.rows.loaded"));
        Assert.Equal(1L, commit.GetTagItem("ductus.snapshot_version"));
        Assert.Equal(8L, runSpan.GetTagItem("ductus.rows.read"));
    }

    [Fact]
    public async Task Retention_expires_old_snapshots_and_rejects_and_collects_unreferenced_files_after_the_grace_period()
    {
        var spec = Parse("quarantine") with { Target = Parse("quarantine").Target with { Mode = WriteMode.Replace } };
        var first = await Runner().RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        var second = await Runner().RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        var folder = Path.Combine(_scratch.Lake, "ws1", "flights");
        var firstFile = Path.Combine(folder, $"{first.Id}-0.parquet");
        var secondFile = Path.Combine(folder, $"{second.Id}-0.parquet");
        // What a run that died before its commit leaves behind.
        var orphan = Path.Combine(folder, $"{Guid.NewGuid()}-0.parquet");
        File.Copy(secondFile, orphan);

        RetentionJob Job(TimeProvider time) => new(
            _app, _catalog, _rejects,
            Options.Create(new RetentionOptions { KeepSnapshots = 1, RejectsMaxAge = TimeSpan.FromDays(30), FileGrace = TimeSpan.FromDays(1) }),
            Options.Create(new LakeOptions { Root = _scratch.Lake }),
            time,
            NullLogger<RetentionJob>.Instance);

        // Now: the old snapshot goes, but its file and the orphan are younger than the grace period.
        var now = await Job(TimeProvider.System).RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 0L, 0, 2), (now.SnapshotsExpired, now.RejectsDeleted, now.Files.FilesDeleted, now.Files.FilesKept));
        Assert.True(File.Exists(firstFile) && File.Exists(orphan));
        Assert.Equal(8, await _rejects.CountAsync(_ws, first.Id) + await _rejects.CountAsync(_ws, second.Id));

        // Forty days on: rejects past 30 days and files past the grace period go; the current snapshot stays whole.
        var later = await Job(new ShiftedTime(TimeSpan.FromDays(40))).RunOnceAsync(CancellationToken.None);
        Assert.Equal((0, 8L, 2, 1), (later.SnapshotsExpired, later.RejectsDeleted, later.Files.FilesDeleted, later.Files.FilesReferenced));
        Assert.False(File.Exists(firstFile));
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(secondFile));
        var current = await _catalog.Datasets.GetSnapshotAsync(_ws, "flights", null);
        Assert.Equal((2L, 4L), (current!.Snapshot.Version, current.Snapshot.RowCount));
        Assert.Single(await _catalog.Datasets.ListSnapshotsAsync(_ws, "flights"));
    }

    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}
