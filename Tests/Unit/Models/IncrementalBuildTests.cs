using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Specs;
using Ductus.Tests.Unit.Engine;
using static Ductus.Core.Catalog.SnapshotOperation;

namespace Ductus.Tests.Unit.Models;

/// <summary>When an incremental model may read only new rows, and what forces a full rebuild.</summary>
public sealed class IncrementalBuildTests
{
    private static readonly PipelineSpec Model = EngineScratch.Parse("""
        name: wide
        description: events with their region's name
        source:
          sql: SELECT e.id, r.name FROM events e JOIN regions r ON r.code = e.region
          driving: events
        schedule: "0 0 * * * ?"
        contract:
          columns:
            id: { type: bigint, required: true }
        target: { dataset: wide, mode: incremental }
        """);

    private const string Sql = "SELECT e.id, r.name FROM events AS e INNER JOIN regions AS r ON (r.code = e.region)";

    private static readonly string Fingerprint = IncrementalBuild.Fingerprint(Model, Sql);

    // The last build read events v3 and regions v1 and committed wide v2.
    private static readonly LastBuild Last = new(Guid.NewGuid(), 2, Fingerprint, [new("events", 3), new("regions", 1)]);

    private static BuildPlan Plan(
        (long Events, long Regions) pinned, (SnapshotOperation Op, long Version)[]? events = null, (SnapshotOperation Op, long Version)[]? regions = null,
        long output = 2, (SnapshotOperation Op, long Version)[]? outputs = null, LastBuild? last = null, string? fingerprint = null)
    {
        var between = new Dictionary<string, IReadOnlyList<InputSnapshot>>
        {
            ["events"] = [new(3, Append), .. (events ?? []).Select(s => new InputSnapshot(s.Version, s.Op))],
            ["regions"] = [new(1, Replace), .. (regions ?? []).Select(s => new InputSnapshot(s.Version, s.Op))],
            ["wide"] = [new(2, Append), .. (outputs ?? []).Select(s => new InputSnapshot(s.Version, s.Op))],
        };
        return IncrementalBuild.Plan(Model, fingerprint ?? Fingerprint, "events", last ?? Last, output, [new("events", pinned.Events), new("regions", pinned.Regions)], between);
    }

    [Fact]
    public void Appends_and_compactions_of_the_driving_input_build_incrementally_from_the_version_last_read()
    {
        var plan = Plan((6, 1), events: [(Append, 4), (Compact, 5), (Append, 6)]);

        Assert.Equal(new BuildPlan(true, "reads what events appended after v3", 3), plan);
    }

    [Fact]
    public void Nothing_new_still_builds_incrementally_reading_nothing()
    {
        Assert.Equal(new BuildPlan(true, "reads what events appended after v3", 3), Plan((3, 1)));
    }

    [Fact]
    public void The_other_inputs_and_the_output_may_be_compacted()
    {
        var plan = Plan((4, 2), events: [(Append, 4)], regions: [(Compact, 2)], output: 3, outputs: [(Compact, 3)]);

        Assert.True(plan.Incremental, plan.Reason);
    }

    [Theory]
    [InlineData(Replace, "events v4 was a replace; an incremental build needs it only appended to or compacted since v3")]
    [InlineData(Merge, "events v4 was a merge; an incremental build needs it only appended to or compacted since v3")]
    public void A_replace_or_merge_of_the_driving_input_rebuilds_in_full(SnapshotOperation operation, string reason)
    {
        Assert.Equal(BuildPlan.Full(reason), Plan((5, 1), events: [(operation, 4), (Append, 5)]));
    }

    [Fact]
    public void An_append_to_another_input_rebuilds_in_full_because_old_rows_may_now_join_it()
    {
        var plan = Plan((4, 2), events: [(Append, 4)], regions: [(Append, 2)]);

        Assert.Equal(BuildPlan.Full("regions v2 was an append; an incremental build needs it only compacted since v1"), plan);
    }

    [Fact]
    public void A_snapshot_retention_removed_leaves_the_appended_rows_unknown()
    {
        var plan = Plan((6, 1), events: [(Append, 4), (Append, 6)]);

        Assert.Equal(BuildPlan.Full("events v5 is no longer retained, so what changed since v3 is unknown"), plan);
    }

    [Fact]
    public void The_first_build_an_edited_definition_or_a_rolled_back_input_rebuilds_in_full()
    {
        Assert.Equal(BuildPlan.Full("first build: no earlier successful run to continue from"), IncrementalBuild.Plan(
            Model, Fingerprint, "events", null, null, [new("events", 1), new("regions", 1)], new Dictionary<string, IReadOnlyList<InputSnapshot>>()));
        Assert.Equal(
            BuildPlan.Full("the model's SQL, transform, contract or target changed since the last build"),
            Plan((4, 1), events: [(Append, 4)], fingerprint: IncrementalBuild.Fingerprint(Model, Sql + " WHERE e.id > 0")));
        Assert.Equal(BuildPlan.Full("events is at v2, older than the v3 the last build read"), Plan((2, 1)));
    }

    [Fact]
    public void Another_commit_to_the_output_rebuilds_in_full()
    {
        // A replay of the model's rejects appended to its dataset: not what the builds made.
        var plan = Plan((4, 1), events: [(Append, 4)], output: 3, outputs: [(Append, 3)]);

        Assert.Equal(BuildPlan.Full("wide v3 was an append; an incremental build needs it only compacted since v2"), plan);
        Assert.Equal(BuildPlan.Full("wide is not at or after v2, the version the last build committed"), Plan((4, 1), events: [(Append, 4)], output: 1));
    }

    [Fact]
    public void Only_what_shapes_the_rows_is_in_the_fingerprint()
    {
        var cosmetic = Model with { Name = "other", Description = "changed", Schedule = null, On = RunOn.Commit, Retries = new RetrySpec(3, TimeSpan.FromSeconds(1)) };
        var contract = Model with { Contract = Model.Contract! with { Columns = [.. Model.Contract.Columns.Select(c => c with { Required = false })] } };

        Assert.Equal(Fingerprint, IncrementalBuild.Fingerprint(cosmetic, Sql));
        Assert.NotEqual(Fingerprint, IncrementalBuild.Fingerprint(contract, Sql));
        Assert.NotEqual(Fingerprint, IncrementalBuild.Fingerprint(Model with { Transform = "SELECT id FROM source" }, Sql));
        Assert.NotEqual(Fingerprint, IncrementalBuild.Fingerprint(Model, Sql + " "));
    }

    [Fact]
    public void A_model_that_is_not_incremental_always_rebuilds()
    {
        var replace = Model with { Target = Model.Target with { Mode = Core.Lake.WriteMode.Replace } };

        Assert.Equal(BuildPlan.Full("target.mode is replace"), IncrementalBuild.Plan(
            replace, Fingerprint, null, Last, 2, [new("events", 4), new("regions", 1)], new Dictionary<string, IReadOnlyList<InputSnapshot>>()));
    }
}
