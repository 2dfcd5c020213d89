using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ductus.Core.Specs;

/// <summary>
/// YAML and JSON both become this small tree first, so one binder serves both formats and a
/// value of the wrong shape becomes a path error instead of a deserializer exception.
/// </summary>
internal abstract record SpecNode;

internal sealed record MapNode(IReadOnlyList<KeyValuePair<string, SpecNode>> Entries) : SpecNode;

internal sealed record ListNode(IReadOnlyList<SpecNode> Items) : SpecNode;

/// <param name="Quoted">True for JSON strings and quoted YAML scalars: never a number or boolean.</param>
internal sealed record ScalarNode(string Text, bool Quoted) : SpecNode;

internal sealed record NullNode : SpecNode;

internal static class SpecDocument
{
    public static SpecNode? FromYaml(string text, List<SpecError> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            errors.Add(new SpecError("(document)", $"line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message}"));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this instead of a YamlException for some unterminated flow collections.
            errors.Add(new SpecError("(document)", $"is not valid YAML (check brackets and quotes): {ex.Message}"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add(new SpecError("(document)", "is empty"));
            return null;
        }

        return Convert(stream.Documents[0].RootNode);
    }

    public static SpecNode? FromJson(string text, List<SpecError> errors)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Convert(doc.RootElement);
        }
        catch (JsonException ex)
        {
            errors.Add(new SpecError("(document)", $"line {(ex.LineNumber ?? 0) + 1}: {ex.Message}"));
            return null;
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private static SpecNode Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new MapNode([.. map.Children.Select(kv => new KeyValuePair<string, SpecNode>(((kv.Key as YamlScalarNode)?.Value) ?? kv.Key.ToString(), Convert(kv.Value)))]),
        YamlSequenceNode seq => new ListNode([.. seq.Children.Select(Convert)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } => new NullNode(),
        YamlScalarNode scalar => new ScalarNode(scalar.Value ?? string.Empty, scalar.Style is not ScalarStyle.Plain),
        _ => new NullNode(),
    };

    private static SpecNode Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new MapNode([.. element.EnumerateObject().Select(p => new KeyValuePair<string, SpecNode>(p.Name, Convert(p.Value)))]),
        JsonValueKind.Array => new ListNode([.. element.EnumerateArray().Select(Convert)]),
        JsonValueKind.String => new ScalarNode(element.GetString() ?? string.Empty, true),
        JsonValueKind.Number => new ScalarNode(element.GetRawText(), false),
        JsonValueKind.True => new ScalarNode("true", false),
        JsonValueKind.False => new ScalarNode("false", false),
        _ => new NullNode(),
    };
}
