using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

[Collection(StackDefinition.Name)]
public sealed class CommitTests(StackFixture stack)
{
    [Fact]
    public async Task Commit_makes_a_dataset_version_visible_with_its_files()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");

        var result = await db.Store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10), File("x/flights/b.parquet", 5)) with
        {
            ExpectedSchedule = "0 0 * * * ?",
        });

        Assert.Equal(1, result.Version);
        Assert.Null(result.ParentVersion);
        Assert.Equal(15, result.RowCount);

        var dataset = await db.Store.Datasets.GetAsync(ws, "flights");
        Assert.NotNull(dataset);
        Assert.Equal(1, dataset.CurrentVersion);
        Assert.Equal(15, dataset.RowCount);
        Assert.Equal("test data", dataset.Description);
        Assert.Equal("0 0 * * * ?", dataset.ExpectedSchedule);
        Assert.Equal("load_flights", dataset.Pipeline);
        Assert.NotNull(dataset.LastLoadedAt);
        Assert.Equal([new DatasetColumn("id", "BIGINT", "the key", true)], dataset.Columns);

        var snapshot = await db.Store.Datasets.GetSnapshotAsync(ws, "flights", null);
        Assert.NotNull(snapshot);
        Assert.Equal(run.Id, snapshot.Snapshot.RunId);
        Assert.Equal(SnapshotOperation.Append, snapshot.Snapshot.Operation);
        Assert.Equal(["x/flights/a.parquet", "x/flights/b.parquet"], snapshot.Files.Select(f => f.RelativePath));
        Assert.Equal(new ColumnStats("1", "10", 0), snapshot.Files[0].Stats["id"]);

        var committed = await db.Store.Runs.GetAsync(ws, run.Id);
        Assert.NotNull(committed);
        Assert.Equal(RunStatus.Succeeded, committed.Status);
        Assert.Equal(1, committed.SnapshotVersion);
        Assert.Equal(15, committed.RowsLoaded);
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), committed.StepDurations["load"]);
        Assert.NotNull(committed.FinishedAt);
    }

    [Fact]
    public async Task A_failed_run_leaves_nothing_visible()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");

        Assert.True(await db.Store.Runs.FailAsync(ws, run.Id, "contract", "too many rejects", new RunStats(100, 0, 90, 0)));

        await Assert.ThrowsAsync<RunStateException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10))));
        Assert.Null(await db.Store.Datasets.GetAsync(ws, "flights"));
        Assert.Null(await db.Store.Datasets.GetSnapshotAsync(ws, "flights", null));
        Assert.Empty(await db.Store.Datasets.ListAsync(ws));

        var failed = await db.Store.Runs.GetAsync(ws, run.Id);
        Assert.Equal(RunStatus.Failed, failed!.Status);
        Assert.Equal("contract", failed.ErrorStep);
        Assert.Equal("too many rejects", failed.Error);
        Assert.Equal(90, failed.RowsRejected);
        Assert.Null(failed.SnapshotVersion);
    }

    [Fact]
    public async Task Commit_of_a_cancelled_or_already_committed_run_is_refused()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");

        var cancelled = await db.StartRunAsync(ws, "flights");
        Assert.True(await db.Store.Runs.CancelAsync(ws, cancelled.Id));
        await Assert.ThrowsAsync<RunStateException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(cancelled.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10))));
        Assert.Null(await db.Store.Datasets.GetAsync(ws, "flights"));

        // A recovered re-run of a run that did commit must not add its rows a second time.
        var run = await db.StartRunAsync(ws, "flights");
        await db.Store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/b.parquet", 10)));
        await Assert.ThrowsAsync<RunStateException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/c.parquet", 10))));
        await Assert.ThrowsAsync<RunStateException>(() => db.Store.Runs.MarkRunningAsync(ws, run.Id));
        Assert.False(await db.Store.Runs.CancelAsync(ws, run.Id));

        var dataset = await db.Store.Datasets.GetAsync(ws, "flights");
        Assert.Equal(1, dataset!.CurrentVersion);
        Assert.Equal(10, dataset.RowCount);
    }

    [Fact]
    public async Task Two_concurrent_appends_to_one_dataset_both_survive()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var first = await db.StartRunAsync(ws, "events");
        var second = await db.StartRunAsync(ws, "events");

        var results = await Task.WhenAll(
            Task.Run(() => db.Store.Committer.CommitAsync(ws, Request(first.Id, "events", WriteMode.Append, File("x/events/first.parquet", 3)))),
            Task.Run(() => db.Store.Committer.CommitAsync(ws, Request(second.Id, "events", WriteMode.Append, File("x/events/second.parquet", 4)))));

        Assert.Equal([1L, 2L], results.Select(r => r.Version).Order());
        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "events", null);
        Assert.Equal(2, current!.Snapshot.Version);
        Assert.Equal(1, current.Snapshot.ParentVersion);
        Assert.Equal(["x/events/first.parquet", "x/events/second.parquet"], current.Files.Select(f => f.RelativePath));
        Assert.Equal(7, current.Snapshot.RowCount);
        Assert.Equal(7, (await db.Store.Datasets.GetAsync(ws, "events"))!.RowCount);
    }

    [Fact]
    public async Task Many_concurrent_appends_lose_nothing()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var runs = new List<RunRecord>();
        for (var i = 0; i < 6; i++)
        {
            runs.Add(await db.StartRunAsync(ws, "events"));
        }

        var results = await Task.WhenAll(runs.Select((run, i) =>
            Task.Run(() => db.Store.Committer.CommitAsync(ws, Request(run.Id, "events", WriteMode.Append, File($"x/events/{i}.parquet", 1))))));

        Assert.Equal(Enumerable.Range(1, 6).Select(v => (long)v), results.Select(r => r.Version).Order());
        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "events", null);
        Assert.Equal(6, current!.Files.Count);
        Assert.Equal(6, current.Snapshot.RowCount);
    }

    [Fact]
    public async Task Replace_swaps_the_file_set_and_old_versions_stay_readable()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");

        var one = await db.StartRunAsync(ws, "airports");
        await db.Store.Committer.CommitAsync(ws, Request(one.Id, "airports", WriteMode.Append, File("x/airports/1.parquet", 10)));
        var two = await db.StartRunAsync(ws, "airports");
        await db.Store.Committer.CommitAsync(ws, Request(two.Id, "airports", WriteMode.Append, File("x/airports/2.parquet", 20)));
        var three = await db.StartRunAsync(ws, "airports");
        var replaced = await db.Store.Committer.CommitAsync(ws, Request(three.Id, "airports", WriteMode.Replace, File("x/airports/3.parquet", 7)));

        Assert.Equal(3, replaced.Version);
        Assert.Equal(2, replaced.ParentVersion);
        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "airports", null);
        Assert.Equal(SnapshotOperation.Replace, current!.Snapshot.Operation);
        Assert.Equal(["x/airports/3.parquet"], current.Files.Select(f => f.RelativePath));
        Assert.Equal(7, (await db.Store.Datasets.GetAsync(ws, "airports"))!.RowCount);

        // Time travel: each old version still lists exactly the files it was made of.
        var v1 = await db.Store.Datasets.GetSnapshotAsync(ws, "airports", 1);
        Assert.Equal(["x/airports/1.parquet"], v1!.Files.Select(f => f.RelativePath));
        var v2 = await db.Store.Datasets.GetSnapshotAsync(ws, "airports", 2);
        Assert.Equal(["x/airports/1.parquet", "x/airports/2.parquet"], v2!.Files.Select(f => f.RelativePath));
        Assert.Equal(30, v2.Snapshot.RowCount);
        Assert.Null(await db.Store.Datasets.GetSnapshotAsync(ws, "airports", 4));

        var history = await db.Store.Datasets.ListSnapshotsAsync(ws, "airports");
        Assert.Equal([3L, 2L, 1L], history.Select(s => s.Version));
        Assert.Equal([SnapshotOperation.Replace, SnapshotOperation.Append, SnapshotOperation.Append], history.Select(s => s.Operation));
    }

    [Fact]
    public async Task Merge_drops_the_files_it_rewrote_and_refuses_when_they_changed_meanwhile()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var load = await db.StartRunAsync(ws, "customers");
        await db.Store.Committer.CommitAsync(ws, Request(load.Id, "customers", WriteMode.Append, File("x/c/a.parquet", 10), File("x/c/b.parquet", 10)));

        var merge = await db.StartRunAsync(ws, "customers");
        var merged = await db.Store.Committer.CommitAsync(ws, Request(merge.Id, "customers", WriteMode.Merge, File("x/c/a2.parquet", 12)) with
        {
            RemovedFiles = ["x/c/a.parquet"],
        });
        Assert.Equal(2, merged.Version);
        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "customers", null);
        Assert.Equal(["x/c/a2.parquet", "x/c/b.parquet"], current!.Files.Select(f => f.RelativePath));
        Assert.Equal(22, current.Snapshot.RowCount);

        // A second merge computed from version 1 rewrote a.parquet too, but that file is gone.
        var stale = await db.StartRunAsync(ws, "customers");
        await Assert.ThrowsAsync<CommitConflictException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(stale.Id, "customers", WriteMode.Merge, File("x/c/a3.parquet", 11)) with
            {
                RemovedFiles = ["x/c/a.parquet"],
            }));
        Assert.Equal(2, (await db.Store.Datasets.GetAsync(ws, "customers"))!.CurrentVersion);
        Assert.Equal(RunStatus.Running, (await db.Store.Runs.GetAsync(ws, stale.Id))!.Status);
    }

    [Fact]
    public async Task The_watermark_moves_only_with_a_commit()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        Assert.Null(await db.Store.Pipelines.GetWatermarkAsync(ws, "load_orders"));

        var good = await db.StartRunAsync(ws, "orders");
        await db.Store.Committer.CommitAsync(ws, Request(good.Id, "orders", WriteMode.Append, File("x/o/1.parquet", 1)) with { Watermark = "2026-01-01T00:00:00Z" });
        Assert.Equal("2026-01-01T00:00:00Z", await db.Store.Pipelines.GetWatermarkAsync(ws, "load_orders"));

        var bad = await db.StartRunAsync(ws, "orders");
        await db.Store.Runs.FailAsync(ws, bad.Id, "load", "disk full", RunStats.Empty);
        await Assert.ThrowsAsync<RunStateException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(bad.Id, "orders", WriteMode.Append, File("x/o/2.parquet", 1)) with { Watermark = "2026-02-01T00:00:00Z" }));
        Assert.Equal("2026-01-01T00:00:00Z", await db.Store.Pipelines.GetWatermarkAsync(ws, "load_orders"));
    }

    [Fact]
    public async Task Two_commits_of_the_same_run_at_once_succeed_exactly_once()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "events");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            try
            {
                await db.Store.Committer.CommitAsync(ws, Request(run.Id, "events", WriteMode.Append, File($"x/events/{i}.parquet", 5)));
                return true;
            }
            catch (RunStateException)
            {
                return false;
            }
        })));

        Assert.Single(attempts, committed => committed);
        var current = await db.Store.Datasets.GetSnapshotAsync(ws, "events", null);
        Assert.Equal(1, current!.Snapshot.Version);
        Assert.Single(current.Files);
    }

    [Fact]
    public async Task Cancel_racing_a_commit_leaves_either_a_committed_or_a_cancelled_run_never_both()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        for (var i = 0; i < 5; i++)
        {
            var run = await db.StartRunAsync(ws, "events");
            var commit = Task.Run(async () =>
            {
                try
                {
                    await db.Store.Committer.CommitAsync(ws, Request(run.Id, "events", WriteMode.Append, File($"x/events/{i}.parquet", 1)));
                    return true;
                }
                catch (RunStateException)
                {
                    return false;
                }
            });
            var cancel = Task.Run(() => db.Store.Runs.CancelAsync(ws, run.Id));
            await Task.WhenAll(commit, cancel);

            Assert.NotEqual(await commit, await cancel);
            var final = await db.Store.Runs.GetAsync(ws, run.Id);
            Assert.Equal(await commit ? RunStatus.Succeeded : RunStatus.Cancelled, final!.Status);
            var visible = (await db.Store.Datasets.GetSnapshotAsync(ws, "events", null))?.Files.Any(f => f.RelativePath == $"x/events/{i}.parquet") ?? false;
            Assert.Equal(await commit, visible);
        }
    }

    [Fact]
    public async Task Work_passed_to_the_commit_lands_with_the_snapshot_or_not_at_all()
    {
        await using var db = await CreateAsync(stack);
        await using (var table = db.Admin.CreateCommand("""
            CREATE TABLE consumed (id int PRIMARY KEY);
            GRANT SELECT, INSERT ON consumed TO ductus_app;
            """))
        {
            await table.ExecuteNonQueryAsync();
        }

        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        static async Task Consume(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction tx, int id, CancellationToken ct)
        {
            await using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO consumed VALUES ({id})", connection, tx);
            await insert.ExecuteNonQueryAsync(ct);
        }

        var good = await db.StartRunAsync(ws, "ingest");
        await db.Store.Committer.CommitAsync(ws, Request(good.Id, "ingest", WriteMode.Append, File("x/i/1.parquet", 1)), (c, t, ct) => Consume(c, t, 1, ct));

        var cancelled = await db.StartRunAsync(ws, "ingest");
        await db.Store.Runs.CancelAsync(ws, cancelled.Id);
        await Assert.ThrowsAsync<RunStateException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(cancelled.Id, "ingest", WriteMode.Append, File("x/i/2.parquet", 1)), (c, t, ct) => Consume(c, t, 2, ct)));

        // The hook fails: the snapshot must not appear either.
        var failing = await db.StartRunAsync(ws, "ingest");
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(failing.Id, "ingest", WriteMode.Append, File("x/i/3.parquet", 1)), (c, t, ct) => Consume(c, t, 1, ct)));

        await using var read = db.Admin.CreateCommand("SELECT array_agg(id ORDER BY id) FROM consumed");
        var consumed = (int[])(await read.ExecuteScalarAsync())!;
        Assert.Equal(1, Assert.Single(consumed));
        Assert.Equal(1, (await db.Store.Datasets.GetAsync(ws, "ingest"))!.CurrentVersion);
        Assert.Equal(RunStatus.Running, (await db.Store.Runs.GetAsync(ws, failing.Id))!.Status);
    }

    [Fact]
    public async Task Appending_a_file_the_dataset_already_has_is_refused()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var first = await db.StartRunAsync(ws, "events");
        await db.Store.Committer.CommitAsync(ws, Request(first.Id, "events", WriteMode.Append, File("x/events/same.parquet", 1)));

        var second = await db.StartRunAsync(ws, "events");
        await Assert.ThrowsAsync<ArgumentException>(() =>
            db.Store.Committer.CommitAsync(ws, Request(second.Id, "events", WriteMode.Append, File("x/events/same.parquet", 1))));
        Assert.Equal(1, (await db.Store.Datasets.GetAsync(ws, "events"))!.RowCount);
        Assert.Equal(RunStatus.Running, (await db.Store.Runs.GetAsync(ws, second.Id))!.Status);
    }
}
