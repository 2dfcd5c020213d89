using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Runs;

/// <summary>The Pipelines service as deployed: watched folder → catalog → Quartz → runs.</summary>
[Collection(StackDefinition.Name)]
public sealed class SchedulingTests(StackFixture stack)
{
    private static readonly Guid DefaultWorkspace = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private static string Csv(int rows) =>
        "id,amount\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},{i * 10}\n"));

    private static string SpecYaml(string name, string file, string? schedule) => $$"""
        name: {{name}}
        source:
          kind: csv
          path: {{file}}
          header: true
        contract:
          columns:
            id: { type: integer, required: true }
            amount: { type: integer, min: 0 }
        target:
          dataset: {{name}}
          mode: append
        {{(schedule is null ? string.Empty : $"schedule: \"{schedule}\"")}}
        """;

    private static async Task<IReadOnlyList<RunRecord>> RunsAsync(CatalogStore catalog, string pipeline) =>
        (await catalog.Runs.ListAsync(DefaultWorkspace, new RunFilter(pipeline), null, 100)).Items;

    [Fact]
    public async Task A_spec_dropped_in_the_folder_runs_on_its_cron_schedule_again_and_again()
    {
        var name = "cron_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{name}.csv"), Csv(10));
        await File.WriteAllTextAsync(Path.Combine(stack.PipelinesFolder, $"{name}.yaml"), SpecYaml(name, $"{name}.csv", "0/2 * * * * ?"));

        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = new CatalogStore(db, TimeProvider.System);
        try
        {
            var runs = await Eventually.Async(
                () => RunsAsync(catalog, name),
                r => r.Count(x => x.Status == RunStatus.Succeeded && x.Trigger == RunTrigger.Schedule) >= 2,
                TimeSpan.FromSeconds(90),
                "two scheduled runs");

            var pipeline = await catalog.Pipelines.GetAsync(DefaultWorkspace, name);
            Assert.Equal("0/2 * * * * ?", pipeline!.Schedule);
            // Never two runs of one pipeline at once, so every finished run appended its 10 rows.
            var dataset = await catalog.Datasets.GetAsync(DefaultWorkspace, name);
            var succeeded = (await RunsAsync(catalog, name)).Count(r => r.Status == RunStatus.Succeeded && r.SnapshotVersion <= dataset!.CurrentVersion);
            Assert.Equal(10 * succeeded, dataset!.RowCount);
            Assert.All(runs.Where(r => r.Status == RunStatus.Succeeded), r => Assert.Equal(10, r.RowsLoaded));
        }
        finally
        {
            File.Delete(Path.Combine(stack.PipelinesFolder, $"{name}.yaml"));
        }
    }

    [Fact]
    public async Task A_queued_run_is_picked_up_and_executed_by_the_pipelines_service()
    {
        var name = "queued_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{name}.csv"), Csv(25));
        await File.WriteAllTextAsync(Path.Combine(stack.PipelinesFolder, $"{name}.yaml"), SpecYaml(name, $"{name}.csv", null));

        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = new CatalogStore(db, TimeProvider.System);
        await Eventually.Async(() => catalog.Pipelines.GetAsync(DefaultWorkspace, name), p => p is not null, TimeSpan.FromSeconds(30), "the spec reaching the catalog");

        var queued = await catalog.Runs.CreateAsync(DefaultWorkspace, name, name, RunTrigger.Api);
        var done = await Eventually.Async(
            () => catalog.Runs.GetAsync(DefaultWorkspace, queued.Id),
            r => r!.Status is RunStatus.Succeeded or RunStatus.Failed,
            TimeSpan.FromSeconds(60),
            "the queued run finishing");

        Assert.Equal(RunStatus.Succeeded, done!.Status);
        Assert.Equal(RunTrigger.Api, done.Trigger);
        Assert.Equal(25, done.RowsLoaded);
        Assert.Equal(1, done.Attempt);
        Assert.NotNull(done.Node);
    }

    [Fact]
    public async Task An_invalid_spec_in_the_folder_is_not_loaded()
    {
        var name = "invalid_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(stack.PipelinesFolder, $"{name}.yaml"), SpecYaml(name, "../../etc/passwd", null));
        var marker = "marker_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{marker}.csv"), Csv(1));
        await File.WriteAllTextAsync(Path.Combine(stack.PipelinesFolder, $"{marker}.yaml"), SpecYaml(marker, $"{marker}.csv", null));

        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = new CatalogStore(db, TimeProvider.System);
        // The folder is synced in file order within one pass; once the valid one is in, the invalid one was seen.
        await Eventually.Async(() => catalog.Pipelines.GetAsync(DefaultWorkspace, marker), p => p is not null, TimeSpan.FromSeconds(30), "the valid spec reaching the catalog");
        Assert.Null(await catalog.Pipelines.GetAsync(DefaultWorkspace, name));
    }
}
