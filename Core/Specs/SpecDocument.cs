using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

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

/// <summary>
/// Builds the tree from the parsers' event streams, never from their object models: a spec
/// arrives over the network, and YamlDotNet's model expands aliases (a billion-laughs document
/// becomes hundreds of millions of nodes), follows self-referencing ones and recurses once per
/// nesting level. Here anchors and aliases are refused at the first one (a spec never needs
/// them), nesting stops at <see cref="SpecParser.MaxDepth"/> and size at
/// <see cref="SpecParser.MaxLength"/>, so the work is bounded by the text's length.
/// </summary>
internal static class SpecDocument
{
    public static SpecNode? FromYaml(string text, List<SpecError> errors)
    {
        if (TooLong(text, errors))
        {
            return null;
        }

        var tree = new TreeBuilder();
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                if (!Add(tree, parser.Current!, errors))
                {
                    return null;
                }
            }
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

        if (tree.Root is null)
        {
            errors.Add(new SpecError("(document)", "is empty"));
        }

        return tree.Root;
    }

    public static SpecNode? FromJson(string text, List<SpecError> errors)
    {
        if (TooLong(text, errors))
        {
            return null;
        }

        var tree = new TreeBuilder();
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            // The reader's own limit sits above ours, so the depth error is always ours.
            MaxDepth = SpecParser.MaxDepth + 1,
        });
        try
        {
            while (reader.Read())
            {
                var added = reader.TokenType switch
                {
                    JsonTokenType.StartObject => tree.Open(isMap: true),
                    JsonTokenType.StartArray => tree.Open(isMap: false),
                    JsonTokenType.EndObject or JsonTokenType.EndArray => tree.Close(),
                    JsonTokenType.PropertyName => tree.Key(reader.GetString() ?? string.Empty),
                    JsonTokenType.String => tree.Value(new ScalarNode(reader.GetString() ?? string.Empty, true)),
                    JsonTokenType.Number => tree.Value(new ScalarNode(Encoding.UTF8.GetString(reader.ValueSpan), false)),
                    JsonTokenType.True => tree.Value(new ScalarNode("true", false)),
                    JsonTokenType.False => tree.Value(new ScalarNode("false", false)),
                    JsonTokenType.Null => tree.Value(new NullNode()),
                    _ => true,
                };
                if (!added)
                {
                    var line = bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n') + 1;
                    errors.Add(new SpecError("(document)", $"line {line}: {TooDeep}"));
                    return null;
                }
            }
        }
        catch (JsonException ex)
        {
            errors.Add(new SpecError("(document)", $"line {(ex.LineNumber ?? 0) + 1}: {ex.Message}"));
            return null;
        }

        if (tree.Root is null)
        {
            errors.Add(new SpecError("(document)", "is empty"));
        }

        return tree.Root;
    }

    private static string TooDeep => $"nests deeper than {SpecParser.MaxDepth} levels";

    private static bool TooLong(string text, List<SpecError> errors)
    {
        if (text.Length <= SpecParser.MaxLength)
        {
            return false;
        }

        errors.Add(new SpecError("(document)", $"is {text.Length} characters long; a spec may have at most {SpecParser.MaxLength}"));
        return true;
    }

    /// <summary>Feeds one YAML event to the tree; false (with the error added) when the document is refused.</summary>
    private static bool Add(TreeBuilder tree, ParsingEvent e, List<SpecError> errors)
    {
        var where = $"line {e.Start.Line}, column {e.Start.Column}";
        var reference = e switch
        {
            AnchorAlias alias => "*" + alias.Value,
            NodeEvent { Anchor.IsEmpty: false } node => "&" + node.Anchor,
            _ => null,
        };
        if (reference is not null)
        {
            errors.Add(new SpecError("(document)", $"{where}: YAML anchors and aliases ({reference}) are not allowed in specs; write each value out"));
            return false;
        }

        var added = e switch
        {
            MappingStart => tree.Open(isMap: true),
            SequenceStart => tree.Open(isMap: false),
            MappingEnd or SequenceEnd => tree.Close(),
            Scalar { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" } => tree.Value(new NullNode()),
            Scalar scalar => tree.Value(new ScalarNode(scalar.Value, scalar.Style is not ScalarStyle.Plain)),
            _ => true,
        };
        if (!added)
        {
            errors.Add(new SpecError("(document)", $"{where}: {TooDeep}"));
        }

        return added;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    /// <summary>
    /// Assembles nodes with an explicit stack (no recursion, depth capped). Only the first
    /// document of a YAML stream becomes the root; later ones are still parsed for errors.
    /// </summary>
    private sealed class TreeBuilder
    {
        private readonly Stack<Frame> _open = new();
        private bool _done;

        public SpecNode? Root { get; private set; }

        public bool Open(bool isMap)
        {
            if (_open.Count >= SpecParser.MaxDepth)
            {
                return false;
            }

            _open.Push(new Frame(isMap));
            return true;
        }

        public bool Close() => Value(_open.Pop().Build());

        /// <summary>A JSON property name; YAML keys arrive as values of a mapping in turn.</summary>
        public bool Key(string key)
        {
            _open.Peek().PendingKey = key;
            return true;
        }

        public bool Value(SpecNode node)
        {
            if (_open.Count > 0)
            {
                _open.Peek().Add(node);
            }
            else if (!_done)
            {
                Root = node;
                _done = true;
            }

            return true;
        }

        private sealed class Frame(bool isMap)
        {
            private readonly List<KeyValuePair<string, SpecNode>> _entries = [];
            private readonly List<SpecNode> _items = [];

            public string? PendingKey { get; set; }

            public void Add(SpecNode node)
            {
                if (!isMap)
                {
                    _items.Add(node);
                }
                else if (PendingKey is null)
                {
                    PendingKey = node switch
                    {
                        ScalarNode scalar => scalar.Text,
                        NullNode => string.Empty,
                        MapNode => "{...}",
                        _ => "[...]",
                    };
                }
                else
                {
                    _entries.Add(new(PendingKey, node));
                    PendingKey = null;
                }
            }

            public SpecNode Build() => isMap ? new MapNode(_entries) : new ListNode(_items);
        }
    }
}
