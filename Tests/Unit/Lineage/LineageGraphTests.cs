using System.Text.Json;
using Ductus.Api.Features.Lineage;
using Ductus.Core.Catalog;

namespace Ductus.Tests.Unit.Lineage;

public sealed class LineageGraphTests
{
    private static readonly DateTimeOffset Saved = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PipelineRecord Pipeline(string name, string dataset, string sourceJson, string? schedule = null, string extra = "", params string[] inputs) =>
        new(name, $$"""{"name":"{{name}}","source":{{sourceJson}},"target":{"dataset":"{{dataset}}"}{{extra}}}""", string.Empty, "json", 1, schedule, dataset, true, Saved, Saved)
        {
            Inputs = inputs,
        };

    private static DatasetRecord Dataset(string name, long? version, long rows) =>
        new(name, null, [], version, rows, 0, null, null, null, Saved, Saved);

    /// <summary>
    /// load-a (csv) → a → model b → b; a and b → model c → c; d is loaded by an ingest pipeline and
    /// read by nothing. a and b are in the catalog, c has never been loaded.
    /// </summary>
    private static LineageGraph Chain() => LineageGraph.Build(
        [
            Pipeline("load-a", "a", """{"kind":"csv","path":"in/a.csv"}""", "0 0 * * * ?"),
            Pipeline("b", "b", """{"dataset":"a"}""", extra: ""","on":"commit" """, inputs: ["a"]),
            Pipeline("c", "c", """{"sql":"SELECT * FROM a JOIN b USING (id)"}""", "0 30 * * * ?", inputs: ["a", "b"]),
            Pipeline("push-d", "d", """{"kind":"ingest"}"""),
        ],
        [Dataset("a", 3, 30), Dataset("b", 1, 10)]);

    private static string[] Ids(LineageView lineage) => [.. lineage.Nodes.Select(n => n.Id)];

    private static string[] Edges(LineageView lineage) => [.. lineage.Edges.Select(e => $"{e.From} -> {e.To}")];

    [Fact]
    public void Up_one_hop_from_a_model_target_reaches_the_model_and_its_inputs_only()
    {
        var lineage = Chain().Walk("c", LineageDirection.Up, 1);

        Assert.Equal("dataset:c", lineage.Root);
        Assert.Equal(["dataset:a", "dataset:b", "dataset:c", "model:c"], Ids(lineage));
        Assert.Equal(["dataset:a -> model:c", "dataset:b -> model:c", "model:c -> dataset:c"], Edges(lineage));
    }

    [Fact]
    public void Up_two_hops_reaches_the_inputs_writers_and_the_pipelines_source()
    {
        var lineage = Chain().Walk("c", LineageDirection.Up, 2);

        Assert.Equal(["dataset:a", "dataset:b", "dataset:c", "model:b", "model:c", "pipeline:load-a", "source:load-a"], Ids(lineage));
        Assert.Equal(
            [
                "dataset:a -> model:b", "dataset:a -> model:c", "dataset:b -> model:c", "model:b -> dataset:b",
                "model:c -> dataset:c", "pipeline:load-a -> dataset:a", "source:load-a -> pipeline:load-a",
            ],
            Edges(lineage));
    }

    [Fact]
    public void Down_one_hop_reaches_the_readers_and_their_targets_with_every_edge_between_them()
    {
        var lineage = Chain().Walk("a", LineageDirection.Down, 1);

        Assert.Equal(["dataset:a", "dataset:b", "dataset:c", "model:b", "model:c"], Ids(lineage));
        // b -> model:c was not walked, but both ends were reached: c reads b too, and the graph says so.
        Assert.Equal(
            ["dataset:a -> model:b", "dataset:a -> model:c", "dataset:b -> model:c", "model:b -> dataset:b", "model:c -> dataset:c"],
            Edges(lineage));
    }

    [Fact]
    public void Both_directions_join_the_ancestors_and_the_descendants_but_not_siblings()
    {
        var lineage = Chain().Walk("b", LineageDirection.Both, 1);

        Assert.Equal(["dataset:a", "dataset:b", "dataset:c", "model:b", "model:c"], Ids(lineage));
        Assert.DoesNotContain("pipeline:load-a", Ids(lineage));
        Assert.DoesNotContain("dataset:d", Ids(lineage));
    }

    [Fact]
    public void A_dataset_with_no_writer_and_no_reader_in_reach_is_the_whole_answer()
    {
        var lineage = Chain().Walk("c", LineageDirection.Down, 10);

        Assert.Equal(["dataset:c"], Ids(lineage));
        Assert.Empty(lineage.Edges);
    }

    [Fact]
    public void Nodes_carry_catalog_facts_for_datasets_and_spec_facts_for_pipelines_and_models()
    {
        var nodes = Chain().Walk("c", LineageDirection.Up, 3).Nodes.ToDictionary(n => n.Id);

        Assert.Equal(new LineageNode("dataset:a", "dataset", "a", 3, 30), nodes["dataset:a"]);
        // Only a spec names c so far: no version, no row count.
        Assert.Equal(new LineageNode("dataset:c", "dataset", "c"), nodes["dataset:c"]);
        Assert.Equal(new LineageNode("model:b", "model", "b", On: "commit"), nodes["model:b"]);
        Assert.Equal(new LineageNode("model:c", "model", "c", Schedule: "0 30 * * * ?"), nodes["model:c"]);
        Assert.Equal(new LineageNode("pipeline:load-a", "pipeline", "load-a", SourceKind: "csv", Schedule: "0 0 * * * ?"), nodes["pipeline:load-a"]);
        Assert.Equal(new LineageNode("source:load-a", "source", "in/a.csv", SourceKind: "csv"), nodes["source:load-a"]);
    }

    [Fact]
    public void A_dataset_is_known_by_the_catalog_a_pipeline_target_or_a_model_input()
    {
        var graph = LineageGraph.Build(
            [Pipeline("m", "m", """{"dataset":"gone"}""", inputs: ["gone"]), Pipeline("load-x", "x", """{"kind":"ingest"}""")],
            [Dataset("kept", 1, 1)]);

        Assert.True(graph.Contains("kept"));
        Assert.True(graph.Contains("x"));
        Assert.True(graph.Contains("gone"));
        Assert.False(graph.Contains("m2"));
        Assert.False(graph.Contains("load-x"));
        Assert.Throws<ArgumentException>(() => graph.Walk("nowhere", LineageDirection.Both, 3));
    }

    [Fact]
    public void A_cycle_in_the_catalog_does_not_loop_the_walk()
    {
        // Saving refuses cycles; a graph must still end if one reached the catalog some other way.
        var graph = LineageGraph.Build(
            [Pipeline("p", "p", """{"dataset":"q"}""", inputs: ["q"]), Pipeline("q", "q", """{"dataset":"p"}""", inputs: ["p"])],
            []);

        var lineage = graph.Walk("p", LineageDirection.Both, 10);

        Assert.Equal(["dataset:p", "dataset:q", "model:p", "model:q"], Ids(lineage));
        Assert.Equal(["dataset:p -> model:q", "dataset:q -> model:p", "model:p -> dataset:p", "model:q -> dataset:q"], Edges(lineage));
    }

    [Theory]
    [InlineData("""{"kind":"http","url":"https://user:pw@api.example.com:8443/v1/items?api_key=s3cret#x","headers":{"X-Token":"hunter2"}}""", "http", "api.example.com:8443/v1/items")]
    [InlineData("""{"kind":"csv","path":"https://files.example.com/exports/a.csv?sig=s3cret"}""", "csv", "files.example.com/exports/a.csv")]
    [InlineData("""{"kind":"parquet","path":"lake/2026/*.parquet"}""", "parquet", "lake/2026/*.parquet")]
    [InlineData("""{"kind":"postgres","connection":"warehouse","query":"SELECT secret FROM t"}""", "postgres", "warehouse")]
    [InlineData("""{"kind":"ingest"}""", "ingest", "ingest API")]
    public void A_source_shows_where_it_reads_and_no_credential(string sourceJson, string kind, string where)
    {
        var lineage = LineageGraph.Build([Pipeline("p", "t", sourceJson)], []).Walk("t", LineageDirection.Up, 1);

        Assert.Equal(new LineageNode("source:p", "source", where, SourceKind: kind), lineage.Nodes.Single(n => n.Kind == "source"));
        var json = JsonSerializer.Serialize(lineage);
        foreach (var secret in new[] { "s3cret", "hunter2", "pw@", "SELECT" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
    }
}
