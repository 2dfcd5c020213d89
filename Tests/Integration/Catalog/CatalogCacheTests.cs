using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// Two stores over one database and one Redis stand for two processes (a Pipelines service that
/// commits, an Api replica that reads): what the reader has cached must never hide a change the
/// writer committed.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class CatalogCacheTests(StackFixture stack)
{
    [Fact]
    public async Task A_change_committed_by_another_process_is_seen_by_the_next_read()
    {
        await using var db = await CreateAsync(stack);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var writer = new CatalogStore(db.App, TimeProvider.System, Versions(redis));
        var reader = new CatalogStore(db.App, TimeProvider.System, Versions(redis));
        var ws = await writer.Workspaces.EnsureAsync("cache-" + Guid.NewGuid().ToString("N")[..8]);

        Assert.Empty(await reader.Datasets.ListAsync(ws));
        var run = await writer.Runs.CreateAsync(ws, "load_flights", "flights", RunTrigger.Manual);
        Assert.Equal(RunStatus.Queued, (await reader.Runs.GetAsync(ws, run.Id))!.Status);
        Assert.Equal(RunStatus.Queued, (await reader.Runs.GetAsync(ws, run.Id))!.Status);

        await writer.Runs.MarkRunningAsync(ws, run.Id, "node-a");
        Assert.Equal(RunStatus.Running, (await reader.Runs.GetAsync(ws, run.Id))!.Status);

        await writer.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10)));
        var datasets = await reader.Datasets.ListAsync(ws);
        Assert.Equal(1, Assert.Single(datasets).CurrentVersion);
        Assert.Equal(RunStatus.Succeeded, (await reader.Runs.GetAsync(ws, run.Id))!.Status);
        Assert.Equal(10, (await reader.Datasets.GetAsync(ws, "flights"))!.RowCount);

        var second = await writer.Runs.CreateAsync(ws, "load_flights", "flights", RunTrigger.Manual);
        await writer.Runs.MarkRunningAsync(ws, second.Id, "node-a");
        await writer.Committer.CommitAsync(ws, Request(second.Id, "flights", WriteMode.Append, File("x/flights/b.parquet", 5)));
        Assert.Equal(2, (await reader.Datasets.ListAsync(ws))[0].CurrentVersion);
        Assert.Equal(15, (await reader.Datasets.GetAsync(ws, "flights"))!.RowCount);
    }

    [Fact]
    public async Task Unchanged_reads_are_served_from_the_cache_and_a_change_ends_that()
    {
        await using var db = await CreateAsync(stack);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var store = new CatalogStore(db.App, TimeProvider.System, Versions(redis));
        var ws = await store.Workspaces.EnsureAsync("cache-" + Guid.NewGuid().ToString("N")[..8]);
        var run = await db.StartRunAsync(ws, "flights");
        await store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10)));

        var first = await store.Datasets.ListAsync(ws);
        // A change made behind the catalog's back (no token moved) proves the next read came from
        // memory: the same list object, the old description.
        await using (var sneak = db.Admin.CreateCommand($"UPDATE datasets SET description = 'changed' WHERE workspace_id = '{ws}'"))
        {
            await sneak.ExecuteNonQueryAsync();
        }

        Assert.Same(first, await store.Datasets.ListAsync(ws));
        Assert.Equal("test data", (await store.Datasets.GetAsync(ws, "flights"))!.Description);

        await new RedisCatalogVersions(redis, NullLogger<RedisCatalogVersions>.Instance).ChangedAsync(ws, CatalogArea.Datasets);
        Assert.Equal("changed", (await store.Datasets.ListAsync(ws))[0].Description);
    }

    [Fact]
    public async Task A_models_inputs_recorded_by_another_process_are_seen_by_the_next_read_of_its_run()
    {
        await using var db = await CreateAsync(stack);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var writer = new CatalogStore(db.App, TimeProvider.System, Versions(redis));
        var reader = new CatalogStore(db.App, TimeProvider.System, Versions(redis));
        var ws = await writer.Workspaces.EnsureAsync("cache-" + Guid.NewGuid().ToString("N")[..8]);
        var run = await writer.Runs.CreateAsync(ws, "daily_totals", "totals", RunTrigger.Manual);
        await writer.Runs.MarkRunningAsync(ws, run.Id, "node-a");

        var before = await reader.Models.OfRunAsync(ws, run.Id);
        Assert.Empty(before.Inputs);
        Assert.Null(before.Build);
        Assert.Same(before, await reader.Models.OfRunAsync(ws, run.Id));

        await writer.Models.RecordInputsAsync(ws, run.Id, [new RunInput("flights", 3)], new ModelBuildRecord(false, "first build", "fp-1", null, 2));
        var after = await reader.Models.OfRunAsync(ws, run.Id);
        Assert.Equal(("flights", 3L), (Assert.Single(after.Inputs).Dataset, after.Inputs[0].Version));
        Assert.Equal(("first build", 2), (after.Build!.Reason, after.Build.FilesRead));

        // A retry pins again: the page shows the new pins, not the first attempt's.
        await writer.Models.RecordInputsAsync(ws, run.Id, [new RunInput("flights", 4)], new ModelBuildRecord(true, "appended", "fp-1", "flights", 1));
        Assert.Equal(4, Assert.Single((await reader.Models.OfRunAsync(ws, run.Id)).Inputs).Version);
    }

    [Fact]
    public async Task Without_redis_nothing_is_cached()
    {
        await using var db = await CreateAsync(stack);
        // A multiplexer that never connects: the versions are unknown, so every read goes to
        // the database.
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var store = new CatalogStore(db.App, TimeProvider.System, Versions(nowhere));
        var ws = await store.Workspaces.EnsureAsync("cache-" + Guid.NewGuid().ToString("N")[..8]);
        var run = await db.StartRunAsync(ws, "flights");
        await store.Committer.CommitAsync(ws, Request(run.Id, "flights", WriteMode.Append, File("x/flights/a.parquet", 10)));

        var first = await store.Datasets.ListAsync(ws);
        await using (var sneak = db.Admin.CreateCommand($"UPDATE datasets SET description = 'changed' WHERE workspace_id = '{ws}'"))
        {
            await sneak.ExecuteNonQueryAsync();
        }

        Assert.Equal("test data", first[0].Description);
        Assert.Equal("changed", (await store.Datasets.ListAsync(ws))[0].Description);
    }

    private static RedisCatalogVersions Versions(IConnectionMultiplexer redis) => new(redis, NullLogger<RedisCatalogVersions>.Instance);
}
