using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ductus.Tests.Integration.Query;

/// <summary>Datasets of the stack's default workspace, loaded by a real pipeline run from a CSV.</summary>
internal static class ApiLake
{
    public static readonly Guid DefaultWorkspace = Guid.Parse("00000000-0000-0000-0000-000000000001");

    public static string NewDatasetName() => "q_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Appends the rows of <paramref name="csv"/> (with header) as the dataset's next snapshot (or replaces them, with <paramref name="mode"/> <c>replace</c>).</summary>
    public static async Task LoadCsvAsync(StackFixture stack, string dataset, string csv, string workspace = "default", string mode = "append")
    {
        var run = await RunCsvAsync(stack, dataset, csv, workspace, mode);
        Assert.True(run.Status == RunStatus.Succeeded, $"loading {dataset}: {run.Status} in {run.ErrorStep}: {run.Error}");
    }

    /// <summary>Runs the load of <see cref="LoadCsvAsync"/> and returns the run however it ended.</summary>
    public static async Task<RunRecord> RunCsvAsync(StackFixture stack, string dataset, string csv, string workspace = "default", string mode = "append")
    {
        var file = $"{dataset}-{Guid.NewGuid():N}.csv";
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, file), csv);
        var spec = SpecParser.ParseYaml($$"""
            name: {{dataset}}
            source: { kind: csv, path: {{file}}, header: true }
            target: { dataset: {{dataset}}, mode: {{mode}} }
            """).Spec!;
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        using var http = new HttpClient();
        var catalog = await stack.CatalogAsync(db);
        var runner = new PipelineRunner(
            catalog, new RejectStore(db),
            new RunEngine(new SourceRoots(stack.SourceRoot), http, TimeProvider.System), stack.LakeRoot, NullLogger<PipelineRunner>.Instance);
        var workspaceId = workspace == "default" ? DefaultWorkspace : await catalog.Workspaces.EnsureAsync(workspace);
        return await runner.RunAsync(new RunRequest(workspaceId, workspace, spec, RunTrigger.Manual), CancellationToken.None);
    }
}
