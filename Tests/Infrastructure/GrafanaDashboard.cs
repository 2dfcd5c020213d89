using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ductus.Tests.Infrastructure;

/// <summary>The metric names a Grafana dashboard's PromQL reads, for checking them against a scrape.</summary>
public static partial class GrafanaDashboard
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan",
    };

    /// <summary>Every metric named in a panel's <c>expr</c> or a variable's <c>label_values(metric, label)</c>.</summary>
    public static IReadOnlySet<string> MetricNames(string dashboardJson)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(dashboardJson);
        foreach (var expr in Strings(document.RootElement, "expr"))
        {
            names.UnionWith(InExpression(expr));
        }

        foreach (var query in Strings(document.RootElement, "query").Concat(Strings(document.RootElement, "definition")))
        {
            foreach (Match match in LabelValues().Matches(query))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    /// <summary>The metric names of one PromQL expression: identifiers that are not functions, keywords, labels, strings or durations.</summary>
    public static IEnumerable<string> InExpression(string promql)
    {
        ArgumentNullException.ThrowIfNull(promql);
        var bare = Quoted().Replace(promql, "");
        bare = Matchers().Replace(bare, "");
        bare = Ranges().Replace(bare, "");
        bare = Grouping().Replace(bare, "");
        foreach (Match match in Identifier().Matches(bare))
        {
            var name = match.Groups[1].Value;
            var isCall = match.Groups[2].Success;
            if (!isCall && !Keywords.Contains(name.ToLowerInvariant()) && !name.StartsWith('$'))
            {
                yield return name;
            }
        }
    }

    private static IEnumerable<string> Strings(JsonElement element, string property)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == property && p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return p.Value.GetString()!;
                    }

                    foreach (var inner in Strings(p.Value, property))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in Strings(item, property))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,")]
    private static partial Regex LabelValues();
}
