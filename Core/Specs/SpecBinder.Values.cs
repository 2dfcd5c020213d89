using System.Globalization;

namespace Ductus.Core.Specs;

/// <summary>The binder's readers of single values: each reports a value of the wrong shape at its path.</summary>
internal sealed partial class SpecBinder
{
    private Dictionary<string, (SpecNode Node, string Path)> Fields(MapNode map, string path, string[] known)
    {
        var result = new Dictionary<string, (SpecNode, string)>(StringComparer.Ordinal);
        foreach (var (key, node) in map.Entries)
        {
            var keyPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                var hint = known.FirstOrDefault(k => string.Equals(k.Replace("_", "", StringComparison.Ordinal), key.Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));
                errors.Add(new SpecError(keyPath, hint is null ? $"unknown key (expected one of: {string.Join(", ", known)})" : $"unknown key, did you mean '{hint}'?"));
                continue;
            }

            if (!result.TryAdd(key, (node, keyPath)))
            {
                errors.Add(new SpecError(keyPath, "appears twice"));
            }
        }

        return result;
    }

    private static SpecNode? Get(Dictionary<string, (SpecNode Node, string Path)> f, string key) =>
        f.TryGetValue(key, out var v) && v.Node is not NullNode ? v.Node : null;

    private MapNode? Map(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        var node = Get(f, key);
        if (node is null or MapNode)
        {
            return node as MapNode;
        }

        errors.Add(new SpecError(path, "must be a mapping"));
        return null;
    }

    private ListNode? List(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        var node = Get(f, key);
        if (node is null or ListNode)
        {
            return node as ListNode;
        }

        errors.Add(new SpecError(path, "must be a list"));
        return null;
    }

    private string? Scalar(SpecNode node, string path)
    {
        if (node is ScalarNode s)
        {
            return s.Text;
        }

        errors.Add(new SpecError(path, node is NullNode ? "must not be empty" : "must be a single value, not a list or mapping"));
        return null;
    }

    private string? Text(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path) =>
        Get(f, key) is { } node ? Scalar(node, path) : null;

    private bool? Bool(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        if (Get(f, key) is not { } node || Scalar(node, path) is not { } text)
        {
            return null;
        }

        if (node is ScalarNode { Quoted: false } && bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(new SpecError(path, $"must be true or false, not '{text}'"));
        return null;
    }

    private long? Integer(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        if (Get(f, key) is not { } node || Scalar(node, path) is not { } text)
        {
            return null;
        }

        if (node is ScalarNode { Quoted: false } && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new SpecError(path, $"must be a whole number, not '{text}'"));
        return null;
    }

    private double? Number(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        if (Get(f, key) is not { } node || Scalar(node, path) is not { } text)
        {
            return null;
        }

        if (node is ScalarNode { Quoted: false } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        errors.Add(new SpecError(path, $"must be a number, not '{text}'"));
        return null;
    }

    private TimeSpan? Duration(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        if (Get(f, key) is not { } node || Scalar(node, path) is not { } text)
        {
            return null;
        }

        if (Durations.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(new SpecError(path, $"'{text}' is not a duration (use e.g. 500ms, 30s, 30m, 2h, 1d, 1h30m)"));
        return null;
    }

    private TEnum? Choice<TEnum>(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
        where TEnum : struct, System.Enum
    {
        if (Get(f, key) is not { } node || Scalar(node, path) is not { } text)
        {
            return null;
        }

        var values = System.Enum.GetValues<TEnum>();
        var names = values.Select(SpecWriter.Name).ToArray();
        if (Array.IndexOf(names, text) is var index and >= 0)
        {
            return values[index];
        }

        errors.Add(new SpecError(path, $"'{text}' is not one of: {string.Join(", ", names)}"));
        return null;
    }

    private List<string>? Strings(Dictionary<string, (SpecNode Node, string Path)> f, string key, string path)
    {
        if (Get(f, key) is not { } node)
        {
            return null;
        }

        if (node is ScalarNode single)
        {
            return [single.Text];
        }

        if (node is not ListNode list)
        {
            errors.Add(new SpecError(path, "must be a list of values"));
            return null;
        }

        var result = new List<string>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (Scalar(list.Items[i], $"{path}[{i}]") is { } text)
            {
                result.Add(text);
            }
        }

        return result;
    }
}
