using System.Globalization;
using System.Text;
using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Ductus.Pipelines.Lake;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Catalog;
using Ductus.Tests.Unit.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ductus.Tests.Integration.Runs;

/// <summary>
/// <c>mode: incremental</c> models on the stack's real PostgreSQL and real lake files: an
/// incremental model reads only what its driving input appended and ends up with the rows a full
/// rebuild gives, and whatever would make that untrue rebuilds in full and says why.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class IncrementalModelTests(StackFixture stack) : IAsyncLifetime, IDisposable
{
    private const string ModelSql = """
        SELECT e.id, e.region, r.name AS region_name, e.amount * 2 AS doubled
          FROM events AS e JOIN regions AS r ON r.code = e.region
         WHERE e.amount > 10
        """;

    private static readonly string[] Regions = ["n", "s", "e", "w", "x"]; // x has no name: its events join to nothing

    private readonly EngineScratch _scratch = new();
    private CatalogDatabase _db = null!;
    private CatalogStore _catalog = null!;
    private Guid _ws;
    private long _nextId = 1;

    public async Task InitializeAsync()
    {
        _db = await CatalogDatabase.CreateAsync(stack);
        _catalog = _db.Store;
        _ws = await _catalog.Workspaces.EnsureAsync("ws1");
        await LoadAsync("regions", "replace", "code,name\nn,North\ns,South\ne,East\nw,West\n");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(47)]
    public async Task Random_appends_and_compactions_read_only_new_files_and_end_where_a_full_rebuild_does(int seed)
    {
        var random = new Random(seed);
        var compactor = new LakeCompactor(_catalog, _scratch.Lake, NullLogger<LakeCompactor>.Instance) { FilesPerTier = 2 };
        var (pendingFiles, pendingRows) = (0, 0L);
        var incrementalRuns = 0;
        for (var step = 0; step < 10; step++)
        {
            if (random.Next(4) == 0 && step > 0)
            {
                // Compaction rewrites rows already read: the next build must not read them again.
                await compactor.CompactAsync(_ws, "ws1", "events", CancellationToken.None);
            }
            else
            {
                var (csv, passing) = Events(random, random.Next(1, 25));
                await LoadAsync("events", "append", csv);
                (pendingFiles, pendingRows) = (pendingFiles + 1, pendingRows + passing);
            }

            if (random.Next(2) == 0 && step < 9)
            {
                continue;
            }

            var (run, build) = await RunModelAsync(Model("incremental"));
            if (build.Incremental)
            {
                incrementalRuns++;
                Assert.Equal(pendingFiles, build.FilesRead);
                Assert.Equal(pendingRows, run.RowsRead);
            }
            else
            {
                Assert.Equal(1, run.SnapshotVersion);
                Assert.Contains("first build", build.Reason, StringComparison.Ordinal);
            }

            (pendingFiles, pendingRows) = (0, 0);
            await RunModelAsync(Model("replace", name: "events_full"));
            Assert.Equal(await RowsAsync("events_full"), await RowsAsync("events_wide"));
        }

        Assert.True(incrementalRuns > 0, "no run built incrementally");
        Assert.NotEmpty(await RowsAsync("events_wide"));
    }

    [Fact]
    public async Task A_replace_upstream_rebuilds_in_full_and_the_run_says_so()
    {
        await LoadAsync("events", "append", Events(new Random(1), 10).Csv);
        await RunModelAsync(Model("incremental"));
        await LoadAsync("events", "append", Events(new Random(2), 10).Csv);
        var (_, second) = await RunModelAsync(Model("incremental"));
        Assert.True(second.Incremental, second.Reason);

        var (replacement, _) = Events(new Random(3), 7);
        await LoadAsync("events", "replace", replacement);
        var (run, build) = await RunModelAsync(Model("incremental"));

        Assert.False(build.Incremental);
        Assert.Equal("events v3 was a replace; an incremental build needs it only appended to or compacted since v2", build.Reason);
        Assert.Equal(SnapshotOperation.Replace, (await _catalog.Datasets.GetSnapshotAsync(_ws, "events_wide", run.SnapshotVersion))!.Snapshot.Operation);
        await RunModelAsync(Model("replace", name: "events_full"));
        Assert.Equal(await RowsAsync("events_full"), await RowsAsync("events_wide"));
    }

    [Fact]
    public async Task A_changed_model_or_a_changed_other_input_rebuilds_in_full()
    {
        await LoadAsync("events", "append", Events(new Random(4), 12).Csv);
        await RunModelAsync(Model("incremental"));

        await LoadAsync("events", "append", Events(new Random(5), 12).Csv);
        var changed = Model("incremental", sql: ModelSql.Replace("e.amount * 2", "e.amount * 3", StringComparison.Ordinal));
        var (_, edited) = await RunModelAsync(changed);
        Assert.False(edited.Incremental);
        Assert.Equal("the model's SQL, transform, contract or target changed since the last build", edited.Reason);

        // A description is not part of what shapes the rows.
        await LoadAsync("events", "append", Events(new Random(6), 12).Csv);
        var (_, described) = await RunModelAsync(changed with { Description = "now with a description" });
        Assert.True(described.Incremental, described.Reason);

        await LoadAsync("regions", "replace", "code,name\nn,Nord\ns,Sud\ne,Est\nw,Ouest\nx,Extra\n");
        var (_, dimension) = await RunModelAsync(changed);
        Assert.False(dimension.Incremental);
        Assert.StartsWith("regions v2 was a replace", dimension.Reason, StringComparison.Ordinal);
        Assert.Contains("x,Extra", (await RowsAsync("events_wide")).Select(r => string.Join(',', r.Split(',')[1..3])));
    }

    [Fact]
    public async Task A_run_with_nothing_appended_reads_no_file_and_adds_no_row()
    {
        await LoadAsync("events", "append", Events(new Random(7), 15).Csv);
        var (first, _) = await RunModelAsync(Model("incremental"));

        var (again, build) = await RunModelAsync(Model("incremental"));

        Assert.True(build.Incremental, build.Reason);
        Assert.Equal((0, 0L, 0L), (build.FilesRead, again.RowsRead, again.RowsLoaded));
        Assert.Equal(first.RowsLoaded, (await _catalog.Datasets.GetSnapshotAsync(_ws, "events_wide", null))!.Snapshot.RowCount);
    }

    [Fact]
    public async Task An_incremental_model_reading_two_datasets_must_name_the_one_that_drives_it()
    {
        await LoadAsync("events", "append", Events(new Random(8), 3).Csv);
        var unnamed = Model("incremental") with { Source = Model("incremental").Source with { Driving = null } };
        var stranger = Model("incremental") with { Source = Model("incremental").Source with { Driving = "orders" } };

        var missing = Assert.Single((await Core.Models.ModelInputs.ResolveAsync(_catalog, _ws, unnamed, CancellationToken.None)).Errors);
        var wrong = Assert.Single((await Core.Models.ModelInputs.ResolveAsync(_catalog, _ws, stranger, CancellationToken.None)).Errors);

        Assert.Equal(new SpecError("source.driving", "name the input whose appends drive this incremental model: one of events, regions"), missing);
        Assert.Equal(new SpecError("source.driving", "'orders' is not one of the datasets the model reads (events, regions)"), wrong);
        Assert.Equal("events", (await Core.Models.ModelInputs.ResolveAsync(_catalog, _ws, Model("incremental"), CancellationToken.None)).Driving);
    }

    /// <summary>Rows of the form <c>id,region,amount</c>; how many pass the model's filter and join.</summary>
    private (string Csv, long Passing) Events(Random random, int count)
    {
        var csv = new StringBuilder("id,region,amount\n");
        var passing = 0L;
        for (var i = 0; i < count; i++)
        {
            var (region, amount) = (Regions[random.Next(Regions.Length)], random.Next(0, 40));
            csv.Append(CultureInfo.InvariantCulture, $"{_nextId++},{region},{amount}\n");
            passing += amount > 10 && region != "x" ? 1 : 0;
        }

        return (csv.ToString(), passing);
    }

    private static PipelineSpec Model(string mode, string name = "events_wide", string sql = ModelSql) => EngineScratch.Parse($$"""
        name: {{name}}
        source:
          sql: |
        {{string.Join('\n', sql.Split('\n').Select(l => "    " + l))}}
          driving: {{(mode == "incremental" ? "events" : "null")}}
        contract:
          columns:
            id: { type: bigint, required: true }
        target: { dataset: {{name}}, mode: {{mode}} }
        """.Replace("  driving: null\n", string.Empty, StringComparison.Ordinal));

    private PipelineRunner Runner() => new(_catalog, _db.Rejects, _scratch.Engine, _scratch.Lake, NullLogger<PipelineRunner>.Instance);

    private async Task LoadAsync(string dataset, string mode, string csv)
    {
        await File.WriteAllTextAsync(Path.Combine(_scratch.Root, $"{dataset}.csv"), csv);
        var spec = EngineScratch.Parse($$"""
            name: {{dataset}}
            source: { kind: csv, path: {{dataset}}.csv, header: true }
            target: { dataset: {{dataset}}, mode: {{mode}} }
            """);
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
    }

    private async Task<(RunRecord Run, ModelBuildRecord Build)> RunModelAsync(PipelineSpec model)
    {
        var run = await Runner().RunAsync(new RunRequest(_ws, "ws1", model, RunTrigger.Manual), CancellationToken.None);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        return (run, (await _catalog.Models.OfRunAsync(_ws, run.Id)).Build!);
    }

    /// <summary>The dataset's current rows, sorted, as text: a multiset to compare.</summary>
    private async Task<List<string>> RowsAsync(string dataset)
    {
        var pinned = (await _catalog.Datasets.PinAsync(_ws, dataset, null, _scratch.Lake))!;
        if (pinned.Files.Count == 0)
        {
            return [];
        }

        return await EngineScratch.QueryAsync(
            $"SELECT concat_ws(',', id, region, region_name, doubled) FROM read_parquet([{string.Join(", ", pinned.Files.Select(f => $"'{f}'"))}]) ORDER BY ALL",
            r => r.GetString(0));
    }
}
