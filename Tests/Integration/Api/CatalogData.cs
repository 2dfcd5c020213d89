using System.Collections.Concurrent;
using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// Runs, rejects and datasets made directly in the stack's catalog (default workspace), as the
/// Pipelines service would make them, so the read endpoints have real data to show.
/// </summary>
internal static class CatalogData
{
    public static readonly Guid DefaultWorkspace = Guid.Parse("00000000-0000-0000-0000-000000000001");


    private static readonly ConcurrentDictionary<StackFixture, Lazy<Task<RunRecord>>> FlightsRuns = new();

    public static CatalogStore Catalog(NpgsqlDataSource app) => new(app, TimeProvider.System);

    /// <summary>The stack's database as the services see it: the app role, held to row-level security.</summary>
    public static NpgsqlDataSource App(StackFixture stack) => NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));

    /// <summary>
    /// One succeeded run of a flights pipeline with rejects and a committed dataset, made once per
    /// stack; tests only read it (or queue new runs from it).
    /// </summary>
    public static Task<RunRecord> FlightsRunAsync(StackFixture stack) =>
        FlightsRuns.GetOrAdd(stack, s => new Lazy<Task<RunRecord>>(() => RunFlightsAsync(s))).Value;

    /// <summary>
    /// A flights pipeline and run of its own, for tests that assert versions: the shared one gets
    /// more snapshots when the Pipelines service executes runs other tests queue from it.
    /// </summary>
    /// <param name="clock">The catalog's clock for the run and its commit (a load made hours ago); the system clock when null.</param>
    /// <param name="unscheduled">Drops the spec's hourly schedule.</param>
    public static Task<RunRecord> OwnFlightsRunAsync(StackFixture stack, TimeProvider? clock = null, bool unscheduled = false) =>
        RunFlightsAsync(stack, clock, unscheduled);

    private static async Task<RunRecord> RunFlightsAsync(StackFixture stack, TimeProvider? clock = null, bool unscheduled = false)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var yaml = FlightsTestSpec.Yaml("flights-" + suffix, "flights_" + suffix, description: "flights for the API tests") + "\nschedule: \"0 0 * * * ?\"\n";
        if (unscheduled)
        {
            yaml = yaml.Replace("schedule: \"0 0 * * * ?\"", string.Empty, StringComparison.Ordinal);
        }

        var run = await RunAsync(stack, yaml, clock: clock);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(4, run.RowsRejected);
        return run;
    }

    /// <summary>
    /// Saves <paramref name="yaml"/> as a pipeline (version 1) and runs it in this process, as the
    /// Pipelines service would, over the engine tests' files plus <paramref name="files"/> (name → text).
    /// </summary>
    /// <param name="clock">The catalog's clock for the run and its commit; the system clock when null.</param>
    public static async Task<RunRecord> RunAsync(StackFixture stack, string yaml, IReadOnlyDictionary<string, string>? files = null, TimeProvider? clock = null)
    {
        var spec = EngineScratch.Parse(yaml);
        await using var app = App(stack);
        // Built as the services build theirs, so the Api's cached dataset list sees the commit at once.
        var catalog = await stack.CatalogAsync(app, clock);
        await catalog.Pipelines.SaveAsync(DefaultWorkspace, spec.Name, SpecWriter.ToJson(spec), yaml, "yaml", spec.Schedule, spec.Target.Dataset);
        using var scratch = new EngineScratch();
        foreach (var (name, text) in files ?? new Dictionary<string, string>())
        {
            await File.WriteAllTextAsync(Path.Combine(scratch.Root, name), text);
        }

        var runner = new PipelineRunner(catalog, new RejectStore(app), scratch.Engine, Path.Combine(stack.DataDirectory, "lake"), NullLogger<PipelineRunner>.Instance);
        return await runner.RunAsync(new RunRequest(DefaultWorkspace, "default", spec, RunTrigger.Manual), CancellationToken.None);
    }
}
