using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Tests.Unit.Engine;

/// <summary>A run's columns against its dataset's under each <c>schema_evolution</c> policy.</summary>
public sealed class SchemaEvolutionTests
{
    private static readonly DatasetColumn RunId = new("_ductus_run_id", "VARCHAR", "Run that loaded the row", true);
    private static readonly DatasetColumn LoadedAt = new("_ductus_loaded_at", "TIMESTAMP WITH TIME ZONE", "When the row was loaded", true);

    private static DatasetColumn[] Columns(params (string Name, string Type)[] columns) =>
        [.. columns.Select(c => new DatasetColumn(c.Name, c.Type, null, false)), RunId, LoadedAt];

    private static SchemaCheck Check(SchemaEvolutionPolicy policy, DatasetColumn[] dataset, DatasetColumn[] run, bool replace = false) =>
        SchemaEvolution.Check(policy, new SchemaBaseline(dataset, replace), run);

    private static readonly DatasetColumn[] V1 = Columns(("id", "INTEGER"), ("fare", "INTEGER"));

    [Theory]
    [InlineData(SchemaEvolutionPolicy.Strict)]
    [InlineData(SchemaEvolutionPolicy.AddColumns)]
    [InlineData(SchemaEvolutionPolicy.Widen)]
    public void The_same_columns_pass_every_policy_and_record_nothing(SchemaEvolutionPolicy policy)
    {
        var check = Check(policy, V1, Columns(("id", "integer"), ("fare", "INT")));

        Assert.Null(check.Problem);
        Assert.Null(check.Changes);
        Assert.Equal(["id", "fare", "_ductus_run_id", "_ductus_loaded_at"], check.Columns.Select(c => c.Name));
    }

    [Theory]
    [InlineData(SchemaEvolutionPolicy.AddColumns)]
    [InlineData(SchemaEvolutionPolicy.Widen)]
    public void An_added_column_passes_add_columns_and_widen_is_recorded_and_goes_before_the_lakes_own(SchemaEvolutionPolicy policy)
    {
        var check = Check(policy, V1, Columns(("id", "INTEGER"), ("fare", "INTEGER"), ("tip", "DOUBLE")));

        Assert.Null(check.Problem);
        Assert.Equal(new AddedColumn("tip", "DOUBLE"), Assert.Single(check.Changes!.Added));
        Assert.Empty(check.Changes.Widened);
        Assert.Equal(["id", "fare", "tip", "_ductus_run_id", "_ductus_loaded_at"], check.Columns.Select(c => c.Name));
    }

    [Fact]
    public void An_added_column_fails_strict_naming_it()
    {
        var check = Check(SchemaEvolutionPolicy.Strict, V1, Columns(("id", "INTEGER"), ("fare", "INTEGER"), ("tip", "DOUBLE")));

        Assert.Equal("column 'tip' (DOUBLE) is new, which schema_evolution: strict does not allow (add_columns and widen allow new columns)", check.Problem);
        Assert.Null(check.Changes);
    }

    [Theory]
    [InlineData(SchemaEvolutionPolicy.Strict)]
    [InlineData(SchemaEvolutionPolicy.AddColumns)]
    [InlineData(SchemaEvolutionPolicy.Widen)]
    public void A_column_the_run_lacks_is_no_change_under_any_policy_and_the_dataset_keeps_it(SchemaEvolutionPolicy policy)
    {
        var dataset = new DatasetColumn[] { new("id", "INTEGER", "key", true), new("fare", "INTEGER", "dollars", true), RunId, LoadedAt };

        var check = Check(policy, dataset, Columns(("id", "INTEGER")));

        Assert.Null(check.Problem);
        Assert.Null(check.Changes);
        Assert.Equal(["id", "fare", "_ductus_run_id", "_ductus_loaded_at"], check.Columns.Select(c => c.Name));
        // Kept with its description; the run's files have no value for it, so it is no longer required.
        Assert.Equal(new DatasetColumn("fare", "INTEGER", "dollars", false), check.Columns[1]);
    }

    [Theory]
    [InlineData("TINYINT", "SMALLINT")]
    [InlineData("SMALLINT", "INTEGER")]
    [InlineData("INTEGER", "BIGINT")]
    [InlineData("BIGINT", "HUGEINT")]
    [InlineData("TINYINT", "BIGINT")]
    [InlineData("INTEGER", "DOUBLE")]
    [InlineData("BIGINT", "DOUBLE")]
    [InlineData("FLOAT", "DOUBLE")]
    [InlineData("INTEGER", "DECIMAL(12,2)")]
    [InlineData("BIGINT", "DECIMAL(19,0)")]
    [InlineData("DECIMAL(10,2)", "DECIMAL(18,2)")]
    [InlineData("DECIMAL(10,2)", "DECIMAL(12,4)")]
    [InlineData("VARCHAR(10)", "VARCHAR(20)")]
    [InlineData("VARCHAR(10)", "VARCHAR")]
    [InlineData("DATE", "TIMESTAMP")]
    public void A_widening_passes_widen_recorded_and_fails_add_columns_and_strict(string from, string to)
    {
        var dataset = Columns(("id", "INTEGER"), ("fare", from));
        var run = Columns(("id", "INTEGER"), ("fare", to));

        var widen = Check(SchemaEvolutionPolicy.Widen, dataset, run);
        Assert.Null(widen.Problem);
        Assert.Equal(new WidenedColumn("fare", from, to), Assert.Single(widen.Changes!.Widened));
        Assert.Equal(to, widen.Columns.Single(c => c.Name == "fare").Type);

        foreach (var policy in new[] { SchemaEvolutionPolicy.AddColumns, SchemaEvolutionPolicy.Strict })
        {
            var refused = Check(policy, dataset, run);
            Assert.Equal(
                $"column 'fare': type changed from {from} to {to}, which schema_evolution: {SpecWriter.Name(policy)} does not allow (widen allows int→bigint→double; strict allows no change)",
                refused.Problem);
            Assert.Same(dataset, refused.Columns);
        }
    }

    [Theory]
    [InlineData("BIGINT", "INTEGER")]
    [InlineData("DOUBLE", "FLOAT")]
    [InlineData("DOUBLE", "BIGINT")]
    [InlineData("DECIMAL(18,2)", "DECIMAL(10,2)")]
    [InlineData("DECIMAL(10,4)", "DECIMAL(10,2)")]
    [InlineData("INTEGER", "DECIMAL(9,0)")]
    [InlineData("BIGINT", "DECIMAL(18,2)")]
    [InlineData("VARCHAR(20)", "VARCHAR(10)")]
    [InlineData("TIMESTAMP", "DATE")]
    public void A_narrowing_fails_every_policy(string from, string to) => AssertFailsEverywhere(from, to);

    [Theory]
    [InlineData("VARCHAR", "INTEGER")]
    [InlineData("INTEGER", "VARCHAR")]
    [InlineData("BOOLEAN", "INTEGER")]
    [InlineData("DATE", "VARCHAR")]
    [InlineData("INTEGER", "FLOAT")]
    [InlineData("DECIMAL(10,2)", "DOUBLE")]
    [InlineData("DATE", "TIMESTAMP WITH TIME ZONE")]
    public void An_unrelated_change_fails_every_policy(string from, string to) => AssertFailsEverywhere(from, to);

    [Fact]
    public void The_message_names_the_column_both_types_and_the_policy()
    {
        var check = Check(SchemaEvolutionPolicy.AddColumns, V1, Columns(("id", "INTEGER"), ("fare", "VARCHAR")));

        Assert.Equal(
            "column 'fare': type changed from INTEGER to VARCHAR, which schema_evolution: add_columns does not allow (widen allows int→bigint→double; strict allows no change)",
            check.Problem);
    }

    [Fact]
    public void Every_refused_column_is_named()
    {
        var check = Check(SchemaEvolutionPolicy.Strict, V1, Columns(("id", "BIGINT"), ("fare", "VARCHAR"), ("tip", "DOUBLE")));

        Assert.Equal(3, check.Problem!.Split('\n').Length);
        Assert.Contains("column 'id': type changed from INTEGER to BIGINT", check.Problem, StringComparison.Ordinal);
        Assert.Contains("column 'fare': type changed from INTEGER to VARCHAR", check.Problem, StringComparison.Ordinal);
        Assert.Contains("column 'tip' (DOUBLE) is new", check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SchemaEvolutionPolicy.AddColumns)]
    [InlineData(SchemaEvolutionPolicy.Widen)]
    public void A_replace_may_change_the_schema_freely_unless_strict(SchemaEvolutionPolicy policy)
    {
        var run = Columns(("id", "VARCHAR"), ("tip", "DOUBLE"));

        var check = Check(policy, V1, run, replace: true);

        Assert.Null(check.Problem);
        Assert.Null(check.Changes);
        Assert.Same(run, check.Columns);
        Assert.NotNull(Check(SchemaEvolutionPolicy.Strict, V1, run, replace: true).Problem);
    }

    [Fact]
    public void A_strict_replace_with_the_same_columns_passes_and_drops_the_ones_it_lacks()
    {
        var run = Columns(("id", "INTEGER"));

        var check = Check(SchemaEvolutionPolicy.Strict, V1, run, replace: true);

        Assert.Null(check.Problem);
        Assert.Same(run, check.Columns);
    }

    [Fact]
    public void A_first_load_or_a_run_without_a_catalog_passes_as_it_is()
    {
        var run = Columns(("id", "VARCHAR"));

        Assert.Same(run, SchemaEvolution.Check(SchemaEvolutionPolicy.Strict, null, run).Columns);
        var first = SchemaEvolution.Check(SchemaEvolutionPolicy.Strict, new SchemaBaseline([], false), run);
        Assert.Equal((null, null), (first.Problem, first.Changes));
        Assert.Same(run, first.Columns);
    }

    private static void AssertFailsEverywhere(string from, string to)
    {
        Assert.False(SchemaEvolution.Widens(from, to));
        var dataset = Columns(("id", "INTEGER"), ("fare", from));
        foreach (var policy in Enum.GetValues<SchemaEvolutionPolicy>())
        {
            var check = Check(policy, dataset, Columns(("id", "INTEGER"), ("fare", to)));
            Assert.StartsWith($"column 'fare': type changed from {from} to {to}, which schema_evolution: {SpecWriter.Name(policy)} does not allow (", check.Problem, StringComparison.Ordinal);
            Assert.Null(check.Changes);
        }
    }
}
