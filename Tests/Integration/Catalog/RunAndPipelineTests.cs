using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

[Collection(StackDefinition.Name)]
public sealed class RunAndPipelineTests(StackFixture stack)
{
    [Fact]
    public async Task Saving_a_pipeline_keeps_every_version_and_an_unchanged_save_keeps_the_version()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        Assert.Equal(ws, await db.Store.Workspaces.EnsureAsync("alpha"));
        Assert.Equal(ws, await db.Store.Workspaces.FindAsync("alpha"));
        Assert.Null(await db.Store.Workspaces.FindAsync("nowhere"));

        const string v1 = "name: flights\nschedule: \"0 0 * * * ?\"\n";
        Assert.Equal(1, await db.Store.Pipelines.SaveAsync(ws, "flights", """{"name":"flights","n":1}""", v1, "yaml", "0 0 * * * ?", "flights"));
        Assert.Equal(1, await db.Store.Pipelines.SaveAsync(ws, "flights", """{"n":1, "name":"flights"}""", v1, "yaml", "0 0 * * * ?", "flights"));
        Assert.Equal(2, await db.Store.Pipelines.SaveAsync(ws, "flights", """{"name":"flights","n":2}""", "# v2\n" + v1, "yaml", null, "flights"));
        await db.Store.Pipelines.SaveAsync(ws, "airports", """{"name":"airports"}""", """{"name":"airports"}""", "json", null, "airports");

        var current = await db.Store.Pipelines.GetAsync(ws, "flights");
        Assert.NotNull(current);
        Assert.Equal(2, current.Version);
        Assert.Null(current.Schedule);
        Assert.StartsWith("# v2", current.OriginalText, StringComparison.Ordinal);
        Assert.True(current.Enabled);

        var first = await db.Store.Pipelines.GetVersionAsync(ws, "flights", 1);
        Assert.Equal("0 0 * * * ?", first!.Schedule);
        Assert.Equal(v1, first.OriginalText);

        Assert.Equal(["airports", "flights"], (await db.Store.Pipelines.ListAsync(ws)).Select(p => p.Name));
        Assert.True(await db.Store.Pipelines.SetEnabledAsync(ws, "flights", false));
        Assert.False((await db.Store.Pipelines.GetAsync(ws, "flights"))!.Enabled);

        var run = await db.Store.Runs.CreateAsync(ws, "flights", "flights", RunTrigger.Schedule);
        Assert.Equal(2, run.PipelineVersion);

        var archive = new AuditEntry("test", AuditActions.PipelineArchived, "flights");
        Assert.True(await db.Store.Pipelines.ArchiveAsync(ws, "flights", archive));
        Assert.False(await db.Store.Pipelines.ArchiveAsync(ws, "flights", archive));
        Assert.Null(await db.Store.Pipelines.GetAsync(ws, "flights"));
        Assert.Null(await db.Store.Pipelines.GetVersionAsync(ws, "flights", 1));
        Assert.NotNull(await db.Store.Runs.GetAsync(ws, run.Id));
    }

    [Fact]
    public async Task A_run_goes_from_queued_to_running_and_counts_its_attempts()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var original = await db.Store.Runs.CreateAsync(ws, "flights", "flights", RunTrigger.Manual);
        Assert.Equal(RunStatus.Queued, original.Status);
        Assert.Equal(0, original.Attempt);
        Assert.Null(original.StartedAt);

        var running = await db.Store.Runs.MarkRunningAsync(ws, original.Id, "node-1");
        Assert.Equal(RunStatus.Running, running.Status);
        Assert.Equal(1, running.Attempt);
        Assert.Equal("node-1", running.Node);

        // Recovery on another node after the first died.
        var recovered = await db.Store.Runs.MarkRunningAsync(ws, original.Id, "node-2");
        Assert.Equal(2, recovered.Attempt);
        Assert.Equal("node-2", recovered.Node);

        Assert.True(await db.Store.Runs.CancelAsync(ws, original.Id));
        Assert.False(await db.Store.Runs.FailAsync(ws, original.Id, "load", "late failure", RunStats.Empty));
        Assert.Equal(RunStatus.Cancelled, (await db.Store.Runs.GetAsync(ws, original.Id))!.Status);

        var replay = await db.Store.Runs.CreateAsync(ws, "flights", "flights", RunTrigger.Replay, original.Id);
        Assert.Equal(RunTrigger.Replay, replay.Trigger);
        Assert.Equal(original.Id, replay.ReplayOf);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_with_filters_and_a_cursor()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var created = new List<RunRecord>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await db.Store.Runs.CreateAsync(ws, i % 2 == 0 ? "even" : "odd", i % 2 == 0 ? "evens" : "odds", RunTrigger.Api));
        }

        await db.Store.Runs.CancelAsync(ws, created[0].Id);

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await db.Store.Runs.ListAsync(ws, new RunFilter(), cursor, 3);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(r => r.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created.Select(r => r.Id).Reverse(), seen);

        var even = await db.Store.Runs.ListAsync(ws, new RunFilter(Pipeline: "even"), null, 10);
        Assert.Equal(4, even.Items.Count);
        Assert.All(even.Items, r => Assert.Equal("even", r.Pipeline));
        Assert.Null(even.NextCursor);

        var odds = await db.Store.Runs.ListAsync(ws, new RunFilter(Dataset: "odds"), null, 10);
        Assert.Equal(3, odds.Items.Count);

        var cancelled = await db.Store.Runs.ListAsync(ws, new RunFilter(Status: RunStatus.Cancelled), null, 10);
        Assert.Equal([created[0].Id], cancelled.Items.Select(r => r.Id));

        await Assert.ThrowsAsync<ArgumentException>(() => db.Store.Runs.ListAsync(ws, new RunFilter(), "not-a-cursor", 3));
    }
}
