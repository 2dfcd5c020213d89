using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

/// <summary>A spec's owner and tags: parsed from YAML and JSON, written back, and held to their rules.</summary>
public sealed class SpecCatalogFieldsTests
{
    private const string Base = """
        name: flights
        description: Every flight of the day
        source: { kind: csv, path: flights.csv }
        target: { dataset: flights }
        """;

    [Fact]
    public void Owner_and_tags_parse_and_survive_a_round_trip_through_json()
    {
        var parsed = SpecParser.ParseYaml(Base + "\nowner: ops-team@example.com\ntags: [aviation, daily, pii.email]\n");

        Assert.Empty(parsed.Errors);
        Assert.Equal("ops-team@example.com", parsed.Spec!.Owner);
        Assert.Equal(["aviation", "daily", "pii.email"], parsed.Spec.Tags);
        var again = SpecParser.ParseJson(SpecWriter.ToJson(parsed.Spec));
        Assert.Empty(again.Errors);
        Assert.Equal((parsed.Spec.Owner, parsed.Spec.Description), (again.Spec!.Owner, again.Spec.Description));
        Assert.Equal(parsed.Spec.Tags, again.Spec.Tags);
    }

    [Fact]
    public void A_spec_without_them_has_no_owner_no_tags_and_writes_neither()
    {
        var spec = SpecParser.ParseYaml(Base).Spec!;

        Assert.Null(spec.Owner);
        Assert.Empty(spec.Tags);
        var json = SpecWriter.ToJson(spec);
        Assert.DoesNotContain("\"owner\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"tags\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tags: [Finance]", "tags[0]", "'Finance' must be 1-50 characters")]
    [InlineData("tags: [daily, daily]", "tags[1]", "'daily' appears twice")]
    [InlineData("tags: ['has space']", "tags[0]", "'has space' must be")]
    [InlineData("tags: { a: b }", "tags", "must be a list of values")]
    [InlineData("owner: '  '", "owner", "must not be empty")]
    [InlineData("owner: [a, b]", "owner", "must be a single value")]
    public void Bad_owners_and_tags_are_errors_at_their_path(string line, string path, string message)
    {
        var error = Assert.Single(CatalogErrors(Base + "\n" + line + "\n"));
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_twenty_tags_or_a_two_hundred_character_owner_are_refused()
    {
        var tags = string.Join(", ", Enumerable.Range(1, SpecCatalogRules.MaxTags + 1).Select(i => $"t{i}"));
        var errors = CatalogErrors($"{Base}\ntags: [{tags}]\nowner: {new string('o', SpecCatalogRules.MaxOwnerLength + 1)}\n");

        Assert.Equal(["owner", "tags"], errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    /// <summary>The spec's errors about its catalog fields (its source file exists nowhere, which is beside the point here).</summary>
    private static List<SpecError> CatalogErrors(string yaml) =>
        [.. SpecValidator.ValidateYaml(yaml, SourceRoots.None).Where(e => e.Path is "owner" or "tags" || e.Path.StartsWith("tags[", StringComparison.Ordinal))];
}
