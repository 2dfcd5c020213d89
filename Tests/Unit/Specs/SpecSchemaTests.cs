using System.Text.Json;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

/// <summary>Holds the JSON Schema editors use to the keys and type names the parser accepts.</summary>
public sealed class SpecSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schemas", "pipeline-spec.schema.json"))).RootElement;

    [Theory]
    [InlineData("pipeline", "")]
    [InlineData("source", "source")]
    [InlineData("contract", "contract")]
    [InlineData("column", "column")]
    [InlineData("rule", "rule")]
    [InlineData("target", "target")]
    [InlineData("retries", "retries")]
    [InlineData("freshness", "freshness")]
    [InlineData("auth", "auth")]
    [InlineData("pagination", "pagination")]
    [InlineData("incremental", "incremental")]
    public void Schema_properties_match_the_keys_the_parser_accepts(string mapping, string definition)
    {
        var node = definition.Length == 0 ? Schema : Schema.GetProperty("$defs").GetProperty(definition);

        Assert.False(node.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(
            SpecBinder.Keys[mapping].Order(StringComparer.Ordinal),
            node.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_type_names_match_the_spec_types()
    {
        var names = Schema.GetProperty("$defs").GetProperty("typeName").GetProperty("anyOf")[0].GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

        Assert.Equal(SpecTypes.Names.Where(n => n != "decimal(p,s)").Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Equal("DECIMAL(18,2)", SpecTypes.ToDuckDb("decimal(18, 2)"));
    }

    [Fact]
    public void Schema_classifications_match_the_pii_classes()
    {
        var names = Schema.GetProperty("$defs").GetProperty("column").GetProperty("properties").GetProperty("classification").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

        Assert.Equal(Ductus.Core.Pii.PiiClassification.All, names);
    }
}
