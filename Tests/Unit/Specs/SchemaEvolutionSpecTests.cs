using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

/// <summary>The <c>schema_evolution</c> key: its three values, its default, and a bad value's error.</summary>
public sealed class SchemaEvolutionSpecTests
{
    private const string Spec = "name: p\nsource: { kind: csv, path: x.csv }\ntarget: { dataset: p }\n";

    [Theory]
    [InlineData("strict", SchemaEvolutionPolicy.Strict)]
    [InlineData("add_columns", SchemaEvolutionPolicy.AddColumns)]
    [InlineData("widen", SchemaEvolutionPolicy.Widen)]
    public void Each_policy_binds_and_writes_back_as_spelled(string text, SchemaEvolutionPolicy policy)
    {
        var result = SpecParser.ParseYaml(Spec + $"schema_evolution: {text}\n");

        Assert.Empty(result.Errors);
        Assert.Equal((policy, policy), (result.Spec!.SchemaEvolution, result.Spec.SchemaPolicy));
        var json = SpecWriter.ToJson(result.Spec);
        Assert.Contains($"\"schema_evolution\": \"{text}\"", json, StringComparison.Ordinal);
        Assert.Equal(policy, SpecParser.ParseJson(json).Spec!.SchemaEvolution);
    }

    [Fact]
    public void Without_the_key_runs_add_columns_and_the_spec_writes_no_key()
    {
        var spec = SpecParser.ParseYaml(Spec).Spec!;

        Assert.Equal((null, SchemaEvolutionPolicy.AddColumns), (spec.SchemaEvolution, spec.SchemaPolicy));
        Assert.DoesNotContain("schema_evolution", SpecWriter.ToJson(spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loose")]
    [InlineData("addcolumns")]
    [InlineData("AddColumns")]
    public void A_bad_value_is_an_error_naming_the_key_and_the_choices(string text)
    {
        var result = SpecParser.ParseYaml(Spec + $"schema_evolution: {text}\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("schema_evolution", error.Path);
        Assert.Equal($"'{text}' is not one of: strict, add_columns, widen", error.Message);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Other_choices_keep_their_spelling()
    {
        var spec = SpecParser.ParseYaml("name: p\nsource: { kind: csv, path: x.csv }\ntarget: { dataset: p, mode: replace }\ncontract: { policy: fail }\n").Spec!;

        Assert.Equal((Core.Lake.WriteMode.Replace, ContractPolicy.Fail), (spec.Target.Mode, spec.Contract!.Policy));
        Assert.Contains("\"mode\": \"replace\"", SpecWriter.ToJson(spec), StringComparison.Ordinal);
    }
}
