using System.Diagnostics;
using System.Text;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

/// <summary>
/// Specs arrive over the network, so a document built to exhaust the parser (alias bombs,
/// cycles, deep nesting, sheer size) must be refused quickly with an error naming what is wrong.
/// </summary>
public sealed class HostileSpecTests
{
    /// <summary>Nine levels of nine aliases each: 9^9 (~387 million) strings once expanded.</summary>
    public static string BillionLaughs()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(',', Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        return yaml.ToString();
    }

    public const string SelfReference = """
        name: loop
        source: &c [*c]
        target: { dataset: loop }
        """;

    public static string DeepNesting(int depth = 200_000) => "name: " + new string('[', depth);

    public static string DeepJson(int depth = 200_000) => "{\"name\": " + new string('[', depth) + new string(']', depth) + "}";

    private static SpecError RefusedQuickly(Func<SpecParseResult> parse)
    {
        var clock = Stopwatch.StartNew();
        var result = parse();
        clock.Stop();

        Assert.Null(result.Spec);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refusing took {clock.Elapsed}");
        var error = Assert.Single(result.Errors);
        Assert.Equal("(document)", error.Path);
        return error;
    }

    [Fact]
    public void A_billion_laughs_document_is_refused_for_its_anchors()
    {
        var error = RefusedQuickly(() => SpecParser.ParseYaml(BillionLaughs()));

        Assert.Equal("line 1, column 4: YAML anchors and aliases (&a) are not allowed in specs; write each value out", error.Message);
    }

    [Fact]
    public void A_self_referencing_alias_is_refused()
    {
        var error = RefusedQuickly(() => SpecParser.ParseYaml(SelfReference));

        Assert.Equal("line 2, column 9: YAML anchors and aliases (&c) are not allowed in specs; write each value out", error.Message);
    }

    [Fact]
    public void An_alias_of_an_unknown_anchor_is_refused_as_an_alias()
    {
        var error = RefusedQuickly(() => SpecParser.ParseYaml("name: x\nsource: *elsewhere\n"));

        Assert.Equal("line 2, column 9: YAML anchors and aliases (*elsewhere) are not allowed in specs; write each value out", error.Message);
    }

    [Fact]
    public void Deeply_nested_yaml_is_refused_at_the_depth_limit()
    {
        var error = RefusedQuickly(() => SpecParser.ParseYaml(DeepNesting()));

        Assert.Equal($"line 1, column {6 + SpecParser.MaxDepth}: nests deeper than {SpecParser.MaxDepth} levels", error.Message);
    }

    [Fact]
    public void Deeply_nested_json_is_refused_at_the_same_depth_limit()
    {
        var error = RefusedQuickly(() => SpecParser.ParseJson(DeepJson()));

        Assert.Equal($"line 1: nests deeper than {SpecParser.MaxDepth} levels", error.Message);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_parsed()
    {
        // The root mapping is level 1, so the name's lists may add MaxDepth - 1 levels.
        var depth = SpecParser.MaxDepth - 1;
        var yaml = SpecParser.ParseYaml("name: " + new string('[', depth) + new string(']', depth));
        var json = SpecParser.ParseJson("{\"name\": " + new string('[', depth) + new string(']', depth) + "}");

        Assert.DoesNotContain(yaml.Errors, e => e.Message.Contains("nests deeper", StringComparison.Ordinal));
        Assert.DoesNotContain(json.Errors, e => e.Message.Contains("nests deeper", StringComparison.Ordinal));
        Assert.NotNull(yaml.Spec);
        Assert.NotNull(json.Spec);
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void A_document_over_the_size_limit_is_refused_before_it_is_parsed(string format)
    {
        var text = "{\"name\": \"" + new string('x', SpecParser.MaxLength) + "\"}";

        var error = RefusedQuickly(() => format == "json" ? SpecParser.ParseJson(text) : SpecParser.ParseYaml(text));

        Assert.Equal($"is {text.Length} characters long; a spec may have at most {SpecParser.MaxLength}", error.Message);
    }

    [Fact]
    public void Validation_reports_the_same_refusal()
    {
        using var root = new TempRoot();

        var errors = SpecValidator.ValidateYaml(SelfReference, new SourceRoots(root.Path));

        Assert.Equal("(document): line 2, column 9: YAML anchors and aliases (&c) are not allowed in specs; write each value out", Assert.Single(errors).ToString());
    }

    private sealed class TempRoot : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ductus-hostile-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
