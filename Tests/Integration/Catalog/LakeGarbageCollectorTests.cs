using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Pipelines.Lake;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

[Collection(StackDefinition.Name)]
public sealed class LakeGarbageCollectorTests(StackFixture stack)
{
    [Fact]
    public async Task Collector_deletes_old_unreferenced_files_and_keeps_referenced_and_young_ones()
    {
        await using var db = await CreateAsync(stack);
        var lake = Directory.CreateTempSubdirectory("ductus-lake-").FullName;
        try
        {
            var ws = await db.Store.Workspaces.EnsureAsync("alpha");
            var run = await db.StartRunAsync(ws, "flights");
            await db.Store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("alpha/flights/committed.parquet", 1)));
            var failed = await db.StartRunAsync(ws, "flights");
            await db.Store.Runs.FailAsync(ws, failed.Id, "load", "crashed", RunStats.Empty);

            var old = DateTime.UtcNow.AddDays(-2);
            var committed = Touch(lake, "alpha/flights/committed.parquet", old);
            var orphan = Touch(lake, "alpha/flights/orphan-of-failed-run.parquet", old);
            var young = Touch(lake, "alpha/flights/being-written.parquet", DateTime.UtcNow);
            var notParquet = Touch(lake, "alpha/flights/notes.txt", old);

            var result = await new LakeGarbageCollector(db.App, lake, TimeProvider.System).CollectAsync(TimeSpan.FromHours(1));

            Assert.Equal(1, result.FilesDeleted);
            Assert.Equal(1, result.FilesReferenced);
            Assert.Equal(1, result.FilesKept);
            Assert.False(System.IO.File.Exists(orphan));
            Assert.True(System.IO.File.Exists(committed));
            Assert.True(System.IO.File.Exists(young));
            Assert.True(System.IO.File.Exists(notParquet));
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    [Fact]
    public async Task Expired_snapshots_make_files_only_they_used_collectable()
    {
        await using var db = await CreateAsync(stack);
        var lake = Directory.CreateTempSubdirectory("ductus-lake-").FullName;
        try
        {
            var ws = await db.Store.Workspaces.EnsureAsync("alpha");
            var other = await db.Store.Workspaces.EnsureAsync("beta");
            foreach (var (mode, path) in new[] { (WriteMode.Append, "alpha/d/1.parquet"), (WriteMode.Append, "alpha/d/2.parquet"), (WriteMode.Replace, "alpha/d/3.parquet") })
            {
                var run = await db.StartRunAsync(ws, "d");
                await db.Store.Committer.CommitAsync(ws, Request(run.Id, "d", mode, File(path, 1)));
            }

            // Another workspace's committed file must survive a collection run too.
            var otherRun = await db.StartRunAsync(other, "d");
            await db.Store.Committer.CommitAsync(other, Request(otherRun.Id, "d", WriteMode.Append, File("beta/d/1.parquet", 1)));

            var old = DateTime.UtcNow.AddDays(-2);
            string[] paths = ["alpha/d/1.parquet", "alpha/d/2.parquet", "alpha/d/3.parquet", "beta/d/1.parquet"];
            var files = paths.Select(p => Touch(lake, p, old)).ToArray();
            var collector = new LakeGarbageCollector(db.App, lake, TimeProvider.System);

            Assert.Equal(0, (await collector.CollectAsync(TimeSpan.FromHours(1))).FilesDeleted);

            Assert.Equal(2, await collector.ExpireSnapshotsAsync(ws, "d", keepLast: 1));
            Assert.Equal([3L], (await db.Store.Datasets.ListSnapshotsAsync(ws, "d")).Select(s => s.Version));
            Assert.Null(await db.Store.Datasets.GetSnapshotAsync(ws, "d", 1));

            var result = await collector.CollectAsync(TimeSpan.FromHours(1));
            Assert.Equal(2, result.FilesDeleted);
            Assert.Equal([false, false, true, true], files.Select(System.IO.File.Exists));
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    private static string Touch(string root, string relative, DateTime lastWriteUtc)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, [1, 2, 3]);
        System.IO.File.SetLastWriteTimeUtc(path, lastWriteUtc);
        return path;
    }
}
