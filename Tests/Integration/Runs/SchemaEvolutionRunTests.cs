using Ductus.Analytics.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Migrations;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ductus.Tests.Integration.Runs;

/// <summary>
/// <c>schema_evolution</c> end to end: runs of one dataset whose columns change, committed (or
/// refused) against the stack's real PostgreSQL, read back through the query sandbox's views.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class SchemaEvolutionRunTests(StackFixture stack) : IAsyncLifetime, IDisposable
{
    private const string V1 = "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS INTEGER) AS fare FROM source";

    private readonly EngineScratch _scratch = new();
    private ScratchDatabase _db = null!;
    private NpgsqlDataSource _app = null!;
    private CatalogStore _catalog = null!;
    private Guid _ws;

    public async Task InitializeAsync()
    {
        _db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(_db.DataSource).UpAsync();
        _app = NpgsqlDataSource.Create(CatalogRole.Adopt(_db.ConnectionString));
        _catalog = new CatalogStore(_app, TimeProvider.System);
        _ws = await _catalog.Workspaces.EnsureAsync("ws1");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _db.DisposeAsync();
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task An_added_column_commits_under_add_columns_is_recorded_and_older_versions_read_without_it()
    {
        await Load(null, V1, "1,10,0.5\n2,20,1.5\n", RunStatus.Succeeded);
        var run = await Load(null, "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS INTEGER) AS fare, CAST(tip AS DOUBLE) AS tip FROM source", "3,30,2.5\n", RunStatus.Succeeded);

        Assert.Equal(2, run.SnapshotVersion);
        var snapshots = await _catalog.Datasets.ListSnapshotsAsync(_ws, "fares");
        Assert.Equal(new AddedColumn("tip", "DOUBLE"), Assert.Single(snapshots[0].SchemaChanges!.Added));
        Assert.Empty(snapshots[0].SchemaChanges!.Widened);
        Assert.Null(snapshots[1].SchemaChanges);
        Assert.Equal(["id", "fare", "tip", "_ductus_run_id", "_ductus_loaded_at"], (await Columns()).Select(c => c.Name));

        // Time travel: version 1 is its two rows, without the column.
        Assert.Equal(["1|10", "2|20"], await Read(1, "SELECT id || '|' || fare FROM fares ORDER BY id"));
        // The current version reads the older file's rows with the new column NULL.
        Assert.Equal(["1|10|null", "2|20|null", "3|30|2.5"], await Read(null, "SELECT id || '|' || fare || '|' || coalesce(CAST(tip AS VARCHAR), 'null') FROM fares ORDER BY id"));
    }

    [Fact]
    public async Task A_type_change_fails_under_add_columns_in_the_schema_step_and_leaves_catalog_and_lake_unchanged()
    {
        await Load(null, V1, "1,10,0.5\n", RunStatus.Succeeded);
        var before = await Columns();
        var files = LakeFiles();

        var run = await Load(null, "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS VARCHAR) AS fare FROM source", "2,20,1.5\n", RunStatus.Failed);

        Assert.Equal(RunSteps.Schema, run.ErrorStep);
        Assert.Equal(
            "column 'fare': type changed from INTEGER to VARCHAR, which schema_evolution: add_columns does not allow (widen allows int→bigint→double; strict allows no change)",
            run.Error);
        Assert.Equal((0L, (long?)null), (run.RowsLoaded, run.SnapshotVersion));
        Assert.Equal([1L], (await _catalog.Datasets.ListSnapshotsAsync(_ws, "fares")).Select(s => s.Version));
        Assert.Equal(before, await Columns());
        Assert.Equal(files, LakeFiles());
        Assert.Equal(["1|10"], await Read(null, "SELECT id || '|' || fare FROM fares"));
    }

    [Fact]
    public async Task Widen_commits_int_to_bigint_and_the_older_rows_read_back_as_the_wider_type()
    {
        await Load("widen", V1, "1,10,0.5\n2,20,1.5\n", RunStatus.Succeeded);
        var run = await Load("widen", "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS BIGINT) AS fare FROM source", "3,5000000000,2.5\n", RunStatus.Succeeded);

        Assert.Equal(2, run.SnapshotVersion);
        var changes = (await _catalog.Datasets.ListSnapshotsAsync(_ws, "fares"))[0].SchemaChanges!;
        Assert.Equal(new WidenedColumn("fare", "INTEGER", "BIGINT"), Assert.Single(changes.Widened));
        Assert.Empty(changes.Added);
        Assert.Equal("BIGINT", (await Columns()).Single(c => c.Name == "fare").Type);

        Assert.Equal(["1|10|BIGINT", "2|20|BIGINT", "3|5000000000|BIGINT"], await Read(null, "SELECT id || '|' || fare || '|' || typeof(fare) FROM fares ORDER BY id"));
        Assert.Equal(["1|10|INTEGER", "2|20|INTEGER"], await Read(1, "SELECT id || '|' || fare || '|' || typeof(fare) FROM fares ORDER BY id"));
    }

    [Fact]
    public async Task Strict_fails_on_an_added_column_naming_it()
    {
        await Load("strict", V1, "1,10,0.5\n", RunStatus.Succeeded);

        var run = await Load("strict", "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS INTEGER) AS fare, CAST(tip AS DOUBLE) AS tip FROM source", "2,20,1.5\n", RunStatus.Failed);

        Assert.Equal(RunSteps.Schema, run.ErrorStep);
        Assert.Equal("column 'tip' (DOUBLE) is new, which schema_evolution: strict does not allow (add_columns and widen allow new columns)", run.Error);
        Assert.Equal([1L], (await _catalog.Datasets.ListSnapshotsAsync(_ws, "fares")).Select(s => s.Version));
        Assert.Single(LakeFiles());
    }

    [Fact]
    public async Task A_run_without_a_column_the_dataset_has_commits_and_the_dataset_keeps_it()
    {
        await Load(null, "SELECT CAST(id AS INTEGER) AS id, CAST(fare AS INTEGER) AS fare, CAST(tip AS DOUBLE) AS tip FROM source", "1,10,0.5\n", RunStatus.Succeeded);

        var run = await Load(null, V1, "2,20,1.5\n", RunStatus.Succeeded);

        Assert.Equal(2, run.SnapshotVersion);
        Assert.Null((await _catalog.Datasets.ListSnapshotsAsync(_ws, "fares"))[0].SchemaChanges);
        Assert.Contains(await Columns(), c => c.Name == "tip" && c.Type == "DOUBLE");
        Assert.Equal(["1|0.5", "2|null"], await Read(null, "SELECT id || '|' || coalesce(CAST(tip AS VARCHAR), 'null') FROM fares ORDER BY id"));
    }

    [Fact]
    public async Task A_replace_changes_types_freely_under_add_columns_but_not_under_strict()
    {
        const string changed = "SELECT CAST(id AS VARCHAR) AS id, CAST(fare AS DOUBLE) AS fare FROM source";
        await Load("strict", V1, "1,10,0.5\n", RunStatus.Succeeded, "replace");

        var strict = await Load("strict", changed, "2,20,1.5\n", RunStatus.Failed, "replace");
        Assert.Equal(RunSteps.Schema, strict.ErrorStep);
        Assert.StartsWith("column 'id': type changed from INTEGER to VARCHAR, which schema_evolution: strict does not allow", strict.Error, StringComparison.Ordinal);

        var free = await Load(null, changed, "2,20,1.5\n", RunStatus.Succeeded, "replace");
        Assert.Equal(2, free.SnapshotVersion);
        Assert.Equal(("VARCHAR", "DOUBLE"), await Columns().ContinueWith(t => (t.Result.Single(c => c.Name == "id").Type, t.Result.Single(c => c.Name == "fare").Type)));
        Assert.Equal(["2|20.0"], await Read(null, "SELECT id || '|' || fare FROM fares"));
    }

    /// <summary>Writes the source's rows (id, fare, tip) and runs the pipeline once; asserts the status it must end in.</summary>
    private async Task<RunRecord> Load(string? policy, string transform, string rows, RunStatus expected, string mode = "append")
    {
        await File.WriteAllTextAsync(Path.Combine(_scratch.Root, "fares.csv"), "id,fare,tip\n" + rows);
        var spec = EngineScratch.Parse($"""
            name: fares
            source: {"{"} kind: csv, path: fares.csv, header: true {"}"}
            transform: "{transform}"
            target: {"{"} dataset: fares, mode: {mode} {"}"}
            {(policy is null ? string.Empty : $"schema_evolution: {policy}")}
            """);
        var runner = new PipelineRunner(_catalog, new RejectStore(_app), _scratch.Engine, _scratch.Lake, NullLogger<PipelineRunner>.Instance);
        var run = await runner.RunAsync(new RunRequest(_ws, "ws1", spec, RunTrigger.Manual), CancellationToken.None);
        Assert.True(run.Status == expected, $"{run.Status} in {run.ErrorStep}: {run.Error}");
        return run;
    }

    private async Task<IReadOnlyList<DatasetColumn>> Columns() => await _catalog.Datasets.GetColumnsAsync(_ws, "fares");

    private string[] LakeFiles() => [.. Directory.GetFiles(Path.Combine(_scratch.Lake, "ws1", "fares")).Select(Path.GetFileName).Order(StringComparer.Ordinal).OfType<string>()];

    /// <summary>Reads a version of the dataset as the Analytics worker does: its files as one view in a locked sandbox.</summary>
    private async Task<List<string>> Read(long? version, string sql)
    {
        var pinned = await _catalog.Datasets.PinAsync(_ws, "fares", version, _scratch.Lake);
        Assert.NotNull(pinned);
        var options = new QueryOptions { ScratchDirectory = Path.Combine(_scratch.Folder, "sandbox"), MemoryLimit = "256MB", Threads = 1 };
        await using var sandbox = await SandboxInstance.CreateAsync(
            Path.Combine(_scratch.Lake, "ws1"), new Dictionary<string, IReadOnlyList<string>> { ["fares"] = pinned.Files }, options, null, CancellationToken.None);
        await using var connection = sandbox.Connect();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
