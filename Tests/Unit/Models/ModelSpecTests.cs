using Ductus.Core.Models;
using Ductus.Core.Query;
using Ductus.Core.Sources;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Models;

/// <summary>A model's spec (parse, validate, write back), the datasets it reads, and cycles.</summary>
public sealed class ModelSpecTests : IDisposable
{
    private static readonly string[] Workspace = ["flights", "airports", "carriers", "daily"];

    private readonly string _root = Directory.CreateTempSubdirectory("ductus-model-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private IReadOnlyList<SpecError> Validate(string yaml) => SpecValidator.ValidateYaml(yaml, new SourceRoots(_root));

    [Fact]
    public void A_model_needs_no_kind_and_writes_back_as_the_same_spec()
    {
        const string yaml = """
            name: by_origin
            source: { sql: "SELECT origin, count(*) AS n FROM flights GROUP BY origin" }
            on: commit
            target: { dataset: by_origin, mode: replace }
            """;
        var spec = SpecParser.ParseYaml(yaml).Spec!;

        Assert.Equal(SourceKind.Model, spec.Source.Kind);
        Assert.Equal(RunOn.Commit, spec.On);
        Assert.Empty(Validate(yaml));
        var again = SpecParser.ParseJson(SpecWriter.ToJson(spec)).Spec!;
        Assert.Equal(SpecWriter.ToJson(spec), SpecWriter.ToJson(again));
        Assert.Contains("\"kind\": \"model\"", SpecWriter.ToJson(spec), StringComparison.Ordinal);
        Assert.DoesNotContain("\"path\"", SpecWriter.ToJson(spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("source: { kind: model }", "source", "either one dataset")]
    [InlineData("source: { dataset: flights, sql: SELECT 1 }", "source", "not both")]
    [InlineData("source: { dataset: Flights-2 }", "source.dataset", "is not a dataset name")]
    [InlineData("source: { sql: 'SELECT 1; SELECT 2' }", "source.sql", "one SELECT")]
    [InlineData("source: { kind: model, dataset: flights, path: x.csv }", "source.path", "does not apply to model sources")]
    [InlineData("source: { kind: csv, path: x.csv, dataset: flights }", "source.dataset", "applies to model sources only")]
    [InlineData("source: { dataset: flights, columns: { a: integer } }", "source.columns", "does not apply to models")]
    [InlineData("source: { dataset: flights }\non: push", "on", "'push' is not one of: commit")]
    [InlineData("source: { dataset: flights }\nincremental: { cursor: t }", "incremental", "does not apply to model sources")]
    [InlineData("source: { dataset: flights, driving: flights }", "source.driving", "applies to models with target.mode incremental only")]
    [InlineData("source: { kind: csv, path: x.csv, driving: flights }", "source.driving", "applies to model sources only")]
    [InlineData("source: { kind: csv, path: x.csv }", "target.mode", "incremental applies to model sources only", "incremental")]
    [InlineData("source: { dataset: flights, driving: Flights }", "source.driving", "is not a dataset name", "incremental")]
    public void A_wrong_model_source_is_refused_naming_the_key(string source, string path, string message, string mode = "append")
    {
        File.WriteAllText(Path.Combine(_root, "x.csv"), "a\n1\n");
        var errors = Validate($"name: m\n{source}\ntarget: {{ dataset: m, mode: {mode} }}\n");

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void On_commit_is_refused_for_a_pipeline_that_reads_files()
    {
        File.WriteAllText(Path.Combine(_root, "x.csv"), "a\n1\n");
        var errors = Validate("name: m\nsource: { kind: csv, path: x.csv }\non: commit\ntarget: { dataset: m }\n");

        var error = Assert.Single(errors);
        Assert.Equal("on", error.Path);
        Assert.Contains("model sources only", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM flights f JOIN airports a ON f.origin = a.iata", new[] { "airports", "flights" })]
    [InlineData("WITH f AS (SELECT * FROM flights) SELECT * FROM f JOIN carriers USING (carrier)", new[] { "carriers", "flights" })]
    [InlineData("SELECT * FROM airports WHERE iata IN (SELECT origin FROM flights)", new[] { "airports", "flights" })]
    [InlineData("SELECT (SELECT max(n) FROM daily) AS top, * FROM (SELECT * FROM airports) AS sub", new[] { "airports", "daily" })]
    [InlineData("WITH airports AS (SELECT 1 AS iata) SELECT * FROM airports", new string[0])]
    public async Task The_datasets_a_model_reads_come_from_the_parse_tree(string sql, string[] expected)
    {
        var guard = await SqlGuard.CheckAsync(ModelInputs.SelectOf(new SourceSpec { Kind = SourceKind.Model, Sql = sql }), Workspace);

        Assert.True(guard.Allowed, guard.Error);
        Assert.Equal(expected, guard.Datasets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_model_reading_one_dataset_reads_all_of_it()
    {
        var guard = await SqlGuard.CheckAsync(ModelInputs.SelectOf(new SourceSpec { Kind = SourceKind.Model, Dataset = "flights" }), Workspace);

        Assert.True(guard.Allowed, guard.Error);
        Assert.Equal(["flights"], guard.Datasets);
    }

    [Fact]
    public async Task A_name_the_workspace_does_not_have_is_refused_by_name()
    {
        var guard = await SqlGuard.CheckAsync("SELECT * FROM flights JOIN elsewhere USING (id)", Workspace);

        Assert.False(guard.Allowed);
        Assert.Contains("elsewhere", guard.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_model_is_valid_and_reads_the_demo_datasets()
    {
        var folder = Path.Combine(Infrastructure.Repository.Root, "pipelines");
        var text = await File.ReadAllTextAsync(Path.Combine(folder, "delay_by_origin.yaml"));
        var spec = SpecParser.ParseYaml(text).Spec!;
        var targets = Directory.GetFiles(folder, "*.yaml").Select(f => SpecParser.ParseYaml(File.ReadAllText(f)).Spec!.Target.Dataset).ToList();

        Assert.Empty(Validate(text));
        Assert.Equal(RunOn.Commit, spec.On);
        var guard = await SqlGuard.CheckAsync(ModelInputs.SelectOf(spec.Source), targets);
        Assert.True(guard.Allowed, guard.Error);
        Assert.Equal(["airports", "flights"], guard.Datasets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_cycle_is_found_and_spelled_out_shortest_first()
    {
        // flights → daily → weekly; a model reading weekly into flights closes the loop.
        (IReadOnlyList<string>, string)[] others = [(["flights"], "daily"), (["daily"], "weekly"), (["daily", "airports"], "ranked")];

        Assert.Equal(["weekly", "flights", "daily", "weekly"], ModelInputs.FindCycle(["weekly"], "flights", others));
        Assert.Equal(["daily", "daily"], ModelInputs.FindCycle(["daily"], "daily", []));
        Assert.Null(ModelInputs.FindCycle(["weekly", "airports"], "summary", others));
        Assert.Null(ModelInputs.FindCycle(["airports"], "flights", others));
    }
}
