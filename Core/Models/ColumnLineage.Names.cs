using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ductus.Core.Query;

namespace Ductus.Core.Models;

/// <summary>How a SELECT's names bind: stars, column references and the columns an expression mentions.</summary>
public static partial class ColumnLineage
{
    private sealed partial class Binder
    {
        private static (IReadOnlyList<ColumnOrigin> Columns, Func<string, ColumnOrigin>? Others) Star(JsonElement star, Scope scope)
        {
            var relation = Text(star, "relation_name");
            var chosen = string.IsNullOrEmpty(relation)
                ? scope.Bindings
                : [.. scope.Bindings.Where(b => string.Equals(b.Name, relation, StringComparison.OrdinalIgnoreCase))];
            if (chosen.Count == 0)
            {
                var reason = $"{relation}.* names no relation of the FROM clause";
                return ([], c => ColumnOrigin.Unresolved(c, reason));
            }

            var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            excluded.UnionWith(star.GetProperty("exclude_list").EnumerateArray().Select(e => e.GetString()!));
            if (star.TryGetProperty("qualified_exclude_list", out var qualified))
            {
                excluded.UnionWith(qualified.EnumerateArray().Select(e => Text(e, "column") ?? string.Empty));
            }

            var renamed = star.TryGetProperty("rename_list", out var renames)
                ? renames.EnumerateArray().ToDictionary(r => Text(r.GetProperty("key"), "column")!, r => r.GetProperty("value").GetString()!, StringComparer.OrdinalIgnoreCase)
                : [];
            var replaced = star.GetProperty("replace_list").EnumerateArray()
                .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("value"), StringComparer.OrdinalIgnoreCase);

            Regex? pattern = null;
            if (star.TryGetProperty("columns", out var isColumns) && isColumns.ValueKind == JsonValueKind.True
                && star.TryGetProperty("expr", out var expr) && expr.ValueKind != JsonValueKind.Null)
            {
                if (Text(expr, "class") != "CONSTANT" || !expr.GetProperty("value").TryGetProperty("value", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    return ([], c => ColumnOrigin.Unresolved(c, "COLUMNS(...) with a lambda or a list is not resolved"));
                }

                // DuckDB matches COLUMNS('...') with RE2, a search anywhere in the name; the
                // patterns people write (alternation, classes, anchors) mean the same in .NET.
                pattern = new Regex(text.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }

            var columns = new List<ColumnOrigin>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var binding in chosen)
            {
                foreach (var column in binding.Lineage.Columns)
                {
                    // A USING or NATURAL column appears once, from the first side that has it.
                    if (excluded.Contains(column.Column) || (pattern is not null && !pattern.IsMatch(column.Column))
                        || (scope.Merged.Contains(column.Column) && !seen.Add(column.Column)))
                    {
                        continue;
                    }

                    var origin = scope.Merged.Contains(column.Column) ? Resolve(column.Column, scope) : column;
                    if (replaced.TryGetValue(column.Column, out var replacement))
                    {
                        origin = Expression(replacement, scope, null).Named(column.Column);
                    }

                    columns.Add(renamed.TryGetValue(column.Column, out var newName) ? origin.Named(newName) : origin);
                }
            }

            var open = chosen.Where(b => !b.Lineage.IsComplete).ToList();
            if (open.Count == 0)
            {
                return (columns, null);
            }

            if (pattern is not null)
            {
                return (columns, c => ColumnOrigin.Unresolved(c, "COLUMNS('...') over a relation whose columns are not known is not resolved"));
            }

            // Any other name of the output is one of the open relations' columns, passed through.
            ColumnOrigin PassedThrough(string c)
            {
                if (excluded.Contains(c))
                {
                    return ColumnOrigin.Unresolved(c, $"the statement has no column named '{c}'");
                }

                if (open.Count > 1)
                {
                    return Ambiguous(c, open.Select(b => b.Lineage.Of(c)));
                }

                return replaced.TryGetValue(c, out var replacement) ? Expression(replacement, scope, null).Named(c) : open[0].Lineage.Of(c);
            }

            return (columns, PassedThrough);
        }

        private static ColumnOrigin Ambiguous(string column, IEnumerable<ColumnOrigin> candidates) =>
            new(column, RelationLineage.Distinct(candidates.SelectMany(c => c.Sources)), $"'{column}' may come from more than one input; every candidate is listed");

        private static ColumnOrigin Resolve(JsonElement reference, Scope scope, Dictionary<string, ColumnOrigin>? aliases)
        {
            var parts = reference.GetProperty("column_names").EnumerateArray().Select(p => p.GetString()!).ToList();
            if (parts.Count == 1)
            {
                return Resolve(parts[0], scope, aliases);
            }

            // t.c is column c of relation t; otherwise s.f is field f of a struct column s.
            for (var s = scope; s is not null; s = s.Outer)
            {
                if (s.Bindings.FirstOrDefault(b => string.Equals(b.Name, parts[0], StringComparison.OrdinalIgnoreCase)) is { } binding)
                {
                    var column = binding.Lineage.Of(parts[1]);
                    return parts.Count == 2 ? column : AsExpression(column).Named(parts[^1]);
                }
            }

            if (parts.Count > 3)
            {
                return ColumnOrigin.Unresolved(parts[^1], $"'{string.Join('.', parts)}' is not resolved");
            }

            return AsExpression(Resolve(parts[0], scope, aliases)).Named(parts[^1]);
        }

        private static ColumnOrigin Resolve(string name, Scope scope, Dictionary<string, ColumnOrigin>? aliases = null)
        {
            for (var s = scope; s is not null; s = s.Outer)
            {
                var known = s.Bindings.Select(b => b.Lineage.Columns.FirstOrDefault(c => string.Equals(c.Column, name, StringComparison.OrdinalIgnoreCase)))
                    .OfType<ColumnOrigin>()
                    .ToList();
                if (known.Count == 1)
                {
                    return known[0];
                }

                if (known.Count > 1)
                {
                    // A USING or NATURAL column is the same value on both sides (coalesced in an outer join).
                    return s.Merged.Contains(name) ? new(known[0].Column, RelationLineage.Distinct(known.SelectMany(k => k.Sources)), known.Select(k => k.Unknown).FirstOrDefault(u => u is not null))
                        : Ambiguous(name, known);
                }

                // A valid statement names a column at most once, so a name no listed column has is
                // one of the relations whose columns are not known.
                var open = s.Bindings.Where(b => !b.Lineage.IsComplete).ToList();
                if (open.Count == 1)
                {
                    return open[0].Lineage.Of(name);
                }

                if (open.Count > 1)
                {
                    return Ambiguous(name, open.Select(b => b.Lineage.Of(name)));
                }

                if (s == scope && aliases is not null && aliases.TryGetValue(name, out var earlier))
                {
                    return earlier;
                }
            }

            return SqlGuard.ValueKeywords.ContainsKey(AsciiCase.Fold(name))
                ? new ColumnOrigin(name, [])
                : ColumnOrigin.Unresolved(name, $"no input has a column named '{name}'");
        }

        private static ColumnOrigin Expression(JsonElement expression, Scope scope, Dictionary<string, ColumnOrigin>? aliases)
        {
            var found = new List<ColumnOrigin>();
            string? unknown = null;
            Collect(expression, scope, aliases, found, ref unknown, ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase));
            var merged = Merge("?", found, ColumnDerivation.Expression);
            return merged with { Unknown = unknown ?? merged.Unknown };
        }

        private static void Collect(
            JsonElement element, Scope scope, Dictionary<string, ColumnOrigin>? aliases, List<ColumnOrigin> found, ref string? unknown, ImmutableHashSet<string> lambdaParameters)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, scope, aliases, found, ref unknown, lambdaParameters);
                }

                return;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            switch (Text(element, "class"))
            {
                case "COLUMN_REF":
                    var parts = element.GetProperty("column_names");
                    if (!lambdaParameters.Contains(parts[0].GetString()!))
                    {
                        found.Add(Resolve(element, scope, aliases));
                    }

                    return;
                case "SUBQUERY":
                    unknown ??= "a subquery inside an expression is not resolved";
                    return;
                case "STAR":
                    unknown ??= "* or COLUMNS(...) inside an expression is not resolved";
                    return;
                case "LAMBDA":
                    // A lambda's parameters are its own names, not columns.
                    var parameters = element.GetProperty("lhs");
                    var names = (parameters.ValueKind == JsonValueKind.Array ? parameters.EnumerateArray() : Enumerable.Repeat(parameters, 1))
                        .Where(p => Text(p, "class") == "COLUMN_REF")
                        .Select(p => p.GetProperty("column_names")[0].GetString()!);
                    Collect(element.GetProperty("expr"), scope, aliases, found, ref unknown, lambdaParameters.Union(names));
                    return;
            }

            foreach (var property in element.EnumerateObject())
            {
                Collect(property.Value, scope, aliases, found, ref unknown, lambdaParameters);
            }
        }

        private static ColumnOrigin Merge(string name, IEnumerable<ColumnOrigin> parts, ColumnDerivation how)
        {
            var list = parts.ToList();
            return new(
                name,
                RelationLineage.Distinct(list.SelectMany(p => p.Sources).Select(s => s with { How = how })),
                list.Select(p => p.Unknown).FirstOrDefault(u => u is not null));
        }

        private static ColumnOrigin AsExpression(ColumnOrigin origin) =>
            origin with { Sources = [.. origin.Sources.Select(s => s with { How = ColumnDerivation.Expression })] };

        private static string? Text(JsonElement node, string property) =>
            node.ValueKind == JsonValueKind.Object && node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
