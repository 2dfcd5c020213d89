using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>The catalog side of background compaction: a snapshot of its own that swaps files and keeps everything else.</summary>
[Collection(StackDefinition.Name)]
public sealed class CompactionCommitTests(StackFixture stack)
{
    [Fact]
    public async Task A_compaction_swaps_its_files_keeps_appends_committed_meanwhile_and_is_not_a_load()
    {
        await using var db = await CreateAsync(stack);
        var ws = await WithTwoFilesAsync(db);
        // Committed after the compactor read the files it rewrites.
        var second = await db.StartRunAsync(ws, "events");
        await db.Store.Committer.CommitAsync(ws, Request(second.Id, "events", WriteMode.Append, File("x/events/c.parquet", 7)));
        var loaded = (await db.Store.Datasets.GetAsync(ws, "events"))!;

        var result = await db.Store.Committer.CommitCompactionAsync(ws, "events", ["x/events/a.parquet", "x/events/b.parquet"], File("x/events/compact-ab.parquet", 15));

        Assert.Equal((3L, 2L, 22L, 2), (result.Version, result.ParentVersion!.Value, result.RowCount, result.FileCount));
        var current = (await db.Store.Datasets.GetSnapshotAsync(ws, "events", null))!;
        Assert.Equal(["x/events/c.parquet", "x/events/compact-ab.parquet"], current.Files.Select(f => f.RelativePath));
        Assert.Equal(SnapshotOperation.Compact, current.Snapshot.Operation);
        Assert.Null(current.Snapshot.RunId);
        Assert.Equal(new ColumnStats("1", "15", 0), current.Files[1].Stats["id"]);

        // Rows and the last load (freshness) are as the runs left them; only the version moved.
        var dataset = (await db.Store.Datasets.GetAsync(ws, "events"))!;
        Assert.Equal((3L, 22L, loaded.LastLoadedAt), (dataset.CurrentVersion!.Value, dataset.RowCount, dataset.LastLoadedAt));
        Assert.Equal(
            ["x/events/a.parquet", "x/events/b.parquet", "x/events/c.parquet"],
            (await db.Store.Datasets.GetSnapshotAsync(ws, "events", 2))!.Files.Select(f => f.RelativePath));
        Assert.Equal(
            [SnapshotOperation.Compact, SnapshotOperation.Append, SnapshotOperation.Append],
            (await db.Store.Datasets.ListSnapshotsAsync(ws, "events")).Select(s => s.Operation));
    }

    [Fact]
    public async Task A_compaction_of_files_a_replace_swapped_out_is_refused_and_changes_nothing()
    {
        await using var db = await CreateAsync(stack);
        var ws = await WithTwoFilesAsync(db);
        var replace = await db.StartRunAsync(ws, "events");
        await db.Store.Committer.CommitAsync(ws, Request(replace.Id, "events", WriteMode.Replace, File("x/events/d.parquet", 3)));

        var refused = await Assert.ThrowsAsync<CommitConflictException>(() =>
            db.Store.Committer.CommitCompactionAsync(ws, "events", ["x/events/a.parquet", "x/events/b.parquet"], File("x/events/compact-ab.parquet", 15)));

        Assert.Contains("no longer all current", refused.Message, StringComparison.Ordinal);
        var current = (await db.Store.Datasets.GetSnapshotAsync(ws, "events", null))!;
        Assert.Equal((2L, 3L), (current.Snapshot.Version, current.Snapshot.RowCount));
        Assert.Equal(["x/events/d.parquet"], current.Files.Select(f => f.RelativePath));
    }

    [Fact]
    public async Task A_compaction_that_would_change_the_rows_or_that_swaps_one_file_is_refused()
    {
        await using var db = await CreateAsync(stack);
        var ws = await WithTwoFilesAsync(db);

        var rows = await Assert.ThrowsAsync<CommitConflictException>(() =>
            db.Store.Committer.CommitCompactionAsync(ws, "events", ["x/events/a.parquet", "x/events/b.parquet"], File("x/events/compact-ab.parquet", 14)));
        Assert.Contains("would change its rows from 15 to 14", rows.Message, StringComparison.Ordinal);

        var one = await Assert.ThrowsAsync<ArgumentException>(() =>
            db.Store.Committer.CommitCompactionAsync(ws, "events", ["x/events/a.parquet", "x/events/a.parquet"], File("x/events/compact-a.parquet", 10)));
        Assert.Contains("at least two files, not 1", one.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<CommitConflictException>(() =>
            db.Store.Committer.CommitCompactionAsync(ws, "nothing", ["x/nothing/a.parquet", "x/nothing/b.parquet"], File("x/nothing/c.parquet", 1)));
        Assert.Equal(1, (await db.Store.Datasets.GetAsync(ws, "events"))!.CurrentVersion);
    }

    [Fact]
    public async Task Appends_racing_a_compaction_all_survive_and_the_swap_lands_once()
    {
        await using var db = await CreateAsync(stack);
        var ws = await WithTwoFilesAsync(db);
        var runs = new List<RunRecord>();
        for (var i = 0; i < 6; i++)
        {
            runs.Add(await db.StartRunAsync(ws, "events"));
        }

        var appends = runs.Select((run, i) => Task.Run(() => db.Store.Committer.CommitAsync(ws, Request(run.Id, "events", WriteMode.Append, File($"x/events/{i}.parquet", 1)))));
        var compaction = Task.Run(() => db.Store.Committer.CommitCompactionAsync(ws, "events", ["x/events/a.parquet", "x/events/b.parquet"], File("x/events/compact-ab.parquet", 15)));
        await Task.WhenAll([.. appends, compaction]);

        var current = (await db.Store.Datasets.GetSnapshotAsync(ws, "events", null))!;
        Assert.Equal(8L, current.Snapshot.Version);
        Assert.Equal(21L, current.Snapshot.RowCount);
        Assert.Equal(
            ["x/events/0.parquet", "x/events/1.parquet", "x/events/2.parquet", "x/events/3.parquet", "x/events/4.parquet", "x/events/5.parquet", "x/events/compact-ab.parquet"],
            current.Files.Select(f => f.RelativePath));
        Assert.Single(await db.Store.Datasets.ListSnapshotsAsync(ws, "events"), s => s.Operation == SnapshotOperation.Compact);
    }

    /// <summary>Workspace "alpha" with dataset "events" at version 1: a.parquet (10 rows) and b.parquet (5 rows).</summary>
    private static async Task<Guid> WithTwoFilesAsync(CatalogDatabase db)
    {
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var load = await db.StartRunAsync(ws, "events");
        await db.Store.Committer.CommitAsync(ws, Request(load.Id, "events", WriteMode.Append, File("x/events/a.parquet", 10), File("x/events/b.parquet", 5)));
        return ws;
    }
}
