using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Specs;
using Ductus.Tests.Unit.Engine;

namespace Ductus.Tests.Unit.Models;

/// <summary>What a change to a dataset reaches downstream, and which models can still build incrementally.</summary>
public sealed class ModelGraphTests
{
    // events → wide (incremental on events, also reads regions) → daily (incremental) → report (replace)
    // events → counts (replace, on commit)
    private static readonly PipelineRecord[] Pipelines =
    [
        Saved("wide", "SELECT e.id, r.name FROM events e JOIN regions r ON r.code = e.region", "incremental", ["events", "regions"], driving: "events"),
        Saved("daily", "SELECT * FROM wide", "incremental", ["wide"]),
        Saved("report", "SELECT * FROM daily", "replace", ["daily"]),
        Saved("counts", "SELECT count(*) AS n FROM events", "replace", ["events"], on: "commit"),
    ];

    [Fact]
    public void Appends_keep_incremental_models_incremental_down_the_chain_and_others_rebuild()
    {
        var reached = ModelGraph.Downstream("events", Pipelines, appendsOnly: true);

        Assert.Equal(
            ["counts 1 full commit", "wide 1 incremental", "daily 2 incremental", "report 3 full"],
            reached.Select(Describe));
    }

    [Fact]
    public void A_replace_rebuilds_everything_below_it()
    {
        var reached = ModelGraph.Downstream("events", Pipelines);

        Assert.All(reached, m => Assert.False(m.Incremental, m.Pipeline.Name));
        Assert.Equal(4, reached.Count);
    }

    [Fact]
    public void An_append_to_an_input_that_does_not_drive_the_model_rebuilds_it()
    {
        var reached = ModelGraph.Downstream("regions", Pipelines, appendsOnly: true);

        Assert.Equal(["wide 1 full", "daily 2 full", "report 3 full"], reached.Select(Describe));
    }

    private static string Describe(DownstreamModel m) =>
        $"{m.Pipeline.Name} {m.Distance} {(m.Incremental ? "incremental" : "full")}{(m.OnCommit ? " commit" : string.Empty)}";

    private static PipelineRecord Saved(string name, string sql, string mode, string[] inputs, string? driving = null, string? on = null)
    {
        var spec = EngineScratch.Parse($$"""
            name: {{name}}
            source: { sql: "{{sql}}"{{(driving is null ? string.Empty : $", driving: {driving}")}} }
            {{(on is null ? string.Empty : $"on: {on}")}}
            target: { dataset: {{name}}, mode: {{mode}} }
            """);
        return new PipelineRecord(name, SpecWriter.ToJson(spec), string.Empty, "yaml", 1, null, name, true, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) { Inputs = inputs };
    }
}
