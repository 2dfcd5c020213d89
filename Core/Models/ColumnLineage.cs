using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ductus.Core.Query;

namespace Ductus.Core.Models;

/// <summary>How an output column is made from one of its input columns.</summary>
public enum ColumnDerivation
{
    /// <summary>The input column's values as they are, possibly under another name.</summary>
    Direct,

    /// <summary>Computed from the input column (a function, CASE, cast, arithmetic, an aggregate...).</summary>
    Expression,
}

/// <summary>An input column an output column is made from.</summary>
/// <param name="Relation">The input relation as the caller named it (a dataset, or <c>source</c>).</param>
public sealed record ColumnSource(string Relation, string Column, ColumnDerivation How);

/// <summary>Where one output column comes from.</summary>
/// <param name="Sources">
/// The input columns it is made from; empty for a literal or <c>count(*)</c>. When
/// <paramref name="Unknown"/> is set these are only the ones that could be found (for an
/// ambiguous name: every candidate), never a guess.
/// </param>
/// <param name="Unknown">Why the lineage is not fully resolved; null when <paramref name="Sources"/> are all of it.</param>
public sealed record ColumnOrigin(string Column, IReadOnlyList<ColumnSource> Sources, string? Unknown = null)
{
    internal static ColumnOrigin Unresolved(string column, string reason) => new(column, [], reason);

    internal ColumnOrigin Named(string column) => this with { Column = column };
}

/// <summary>
/// The column lineage of one relation (a SELECT's output): its columns in order, each with the
/// input columns it comes from.
/// </summary>
public sealed class RelationLineage
{
    private readonly Func<string, ColumnOrigin>? _rest;

    internal RelationLineage(IReadOnlyList<ColumnOrigin> columns, Func<string, ColumnOrigin>? rest = null)
    {
        Columns = columns;
        _rest = rest;
    }

    /// <summary>The output columns that could be listed, in output order.</summary>
    public IReadOnlyList<ColumnOrigin> Columns { get; }

    /// <summary>
    /// Whether <see cref="Columns"/> is every output column. It is not when a <c>*</c> reads a
    /// relation whose columns were not given (then a column of any other name passes through
    /// from it), or after a construct whose columns are not resolved (then any other name is unknown).
    /// </summary>
    public bool IsComplete => _rest is null;

    /// <summary>An input relation of known columns: each passes through as itself.</summary>
    public static RelationLineage Input(string relation, IEnumerable<string> columns) =>
        new([.. columns.Select(c => new ColumnOrigin(c, [new ColumnSource(relation, c, ColumnDerivation.Direct)]))]);

    /// <summary>An input relation whose columns are not known: any name passes through as itself.</summary>
    public static RelationLineage OpenInput(string relation) =>
        new([], c => new ColumnOrigin(c, [new ColumnSource(relation, c, ColumnDerivation.Direct)]));

    /// <summary>A relation none of whose columns can be resolved, for <paramref name="reason"/>; <paramref name="names"/> are the ones known to exist.</summary>
    public static RelationLineage Unresolved(string reason, IReadOnlyList<string>? names = null) =>
        new([.. (names ?? []).Select(n => ColumnOrigin.Unresolved(n, reason))], c => ColumnOrigin.Unresolved(c, reason));

    /// <summary>The lineage of the output column named <paramref name="column"/> (ASCII case-insensitive, as DuckDB binds names).</summary>
    public ColumnOrigin Of(string column) => Find(column) ?? ColumnOrigin.Unresolved(column, $"the statement has no column named '{column}'");

    internal ColumnOrigin? Find(string column) =>
        Columns.FirstOrDefault(c => string.Equals(c.Column, column, StringComparison.OrdinalIgnoreCase)) ?? _rest?.Invoke(column);

    /// <summary>
    /// This lineage with the columns it reads from <paramref name="relation"/> replaced by where
    /// <paramref name="upstream"/> says they come from: a model's transform (over <c>source</c>)
    /// through the model's SQL (over its inputs). Direct through direct stays direct.
    /// </summary>
    public RelationLineage Through(string relation, RelationLineage upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ColumnOrigin Compose(ColumnOrigin origin)
        {
            var sources = new List<ColumnSource>();
            var unknown = origin.Unknown;
            foreach (var source in origin.Sources)
            {
                if (!string.Equals(source.Relation, relation, StringComparison.OrdinalIgnoreCase))
                {
                    sources.Add(source);
                    continue;
                }

                var up = upstream.Of(source.Column);
                unknown ??= up.Unknown;
                sources.AddRange(up.Sources.Select(s => s with { How = source.How == ColumnDerivation.Direct ? s.How : ColumnDerivation.Expression }));
            }

            return origin with { Sources = Distinct(sources), Unknown = unknown };
        }

        return new([.. Columns.Select(Compose)], _rest is null ? null : c => Compose(_rest(c)));
    }

    internal static IReadOnlyList<ColumnSource> Distinct(IEnumerable<ColumnSource> sources)
    {
        // One entry per input column: direct when any path is (a renamed copy), else expression.
        var merged = new List<ColumnSource>();
        foreach (var source in sources)
        {
            var at = merged.FindIndex(s => string.Equals(s.Relation, source.Relation, StringComparison.Ordinal)
                && string.Equals(s.Column, source.Column, StringComparison.OrdinalIgnoreCase));
            if (at < 0)
            {
                merged.Add(source);
            }
            else if (source.How == ColumnDerivation.Direct)
            {
                merged[at] = merged[at] with { How = ColumnDerivation.Direct };
            }
        }

        return merged;
    }
}

/// <summary>A SELECT's parse tree, with every unnamed computed column given the name DuckDB gives it.</summary>
public sealed class SelectTree
{
    private SelectTree(JsonElement? node, string? error)
    {
        Node = node;
        Error = error;
    }

    /// <summary>The statement's query node (json_serialize_sql's <c>statements[0].node</c>); null when it did not parse.</summary>
    public JsonElement? Node { get; }

    /// <summary>Why there is no tree: the statement does not parse, or is not one SELECT.</summary>
    public string? Error { get; }

    /// <summary>Parses <paramref name="sql"/> with the query guard's parser instance (<see cref="GuardParser"/>); nothing is executed.</summary>
    public static SelectTree Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parser = GuardParser.Shared.Rent();
        try
        {
            var root = JsonNode.Parse(GuardParser.Serialize(parser, sql))!.AsObject();
            if (root["error"]?.GetValue<bool>() == true)
            {
                return new(null, $"the statement does not parse: {root["error_message"]?.GetValue<string>()}");
            }

            if (root["statements"] is not JsonArray { Count: 1 } statements)
            {
                return new(null, "the statement is not one SELECT");
            }

            var node = statements[0]!["node"]!;
            NameComputedColumns(parser, node, JsonNode.Parse(GuardParser.Serialize(parser, "SELECT 1"))!);
            return new(JsonSerializer.SerializeToElement(node), null);
        }
        finally
        {
            GuardParser.Shared.Return(parser);
        }
    }

    /// <summary>
    /// DuckDB names an unaliased computed column by its expression as it renders it
    /// (<c>sum((z + 1))</c>, <c>count_star()</c>); rendering each one alone gives that name
    /// exactly, so a snapshot's column can be matched by name.
    /// </summary>
    private static void NameComputedColumns(DuckDB.NET.Data.DuckDBConnection parser, JsonNode? node, JsonNode template)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                NameComputedColumns(parser, item, template);
            }

            return;
        }

        if (node is not JsonObject obj)
        {
            return;
        }

        if (obj["select_list"] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>())
            {
                var kind = item["class"]?.GetValue<string>();
                if (kind is "COLUMN_REF" or "STAR" || !string.IsNullOrEmpty(item["alias"]?.GetValue<string>()))
                {
                    continue;
                }

                var alone = template.DeepClone();
                alone["statements"]![0]!["node"]!["select_list"] = new JsonArray(item.DeepClone());
                var rendered = GuardParser.Render(parser, alone.ToJsonString());
                item["alias"] = rendered.StartsWith("SELECT ", StringComparison.Ordinal) ? rendered["SELECT ".Length..] : rendered;
            }
        }

        foreach (var (_, value) in obj.ToList())
        {
            NameComputedColumns(parser, value, template);
        }
    }
}

/// <summary>
/// Column-level lineage of one SELECT from DuckDB's own parse tree (<see cref="SelectTree"/>):
/// for each output column, the input columns it is made from and whether it is a direct copy or
/// an expression of them. Names resolve as DuckDB binds them — aliases, table-qualified
/// references, joins (USING and NATURAL included), <c>*</c> and <c>t.*</c> with EXCLUDE, REPLACE
/// and RENAME, <c>COLUMNS('regex')</c>, CTEs and subqueries in FROM, and earlier select-list
/// aliases. What cannot be resolved from the tree is reported as unknown, with why.
/// </summary>
/// <remarks>
/// An expression's sources are every column it mentions (a CASE's conditions, a window's
/// PARTITION BY and ORDER BY, an aggregate's FILTER included): for classification an over-wide
/// answer is safe and a narrow one is not. WHERE, JOIN ... ON, GROUP BY and HAVING filter rows,
/// and are not sources.
/// </remarks>
public static class ColumnLineage
{
    /// <summary>
    /// The lineage of <paramref name="tree"/>'s output columns.
    /// </summary>
    /// <param name="relations">
    /// The relations the SELECT reads, by name (matched ASCII case-insensitively, reported as
    /// spelled here), each with its columns in order, or null when they are not known (a
    /// <c>*</c> over it then passes any name through).
    /// </param>
    public static RelationLineage Analyze(SelectTree tree, IReadOnlyDictionary<string, IReadOnlyList<string>?> relations)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(relations);
        if (tree.Node is not { } node)
        {
            return RelationLineage.Unresolved(tree.Error ?? "the statement does not parse");
        }

        var inputs = relations.ToDictionary(
            r => r.Key,
            r => r.Value is null ? RelationLineage.OpenInput(r.Key) : RelationLineage.Input(r.Key, r.Value),
            StringComparer.OrdinalIgnoreCase);
        return new Binder(inputs).Query(node, ImmutableDictionary.Create<string, RelationLineage>(StringComparer.OrdinalIgnoreCase), null);
    }

    /// <summary>Parses <paramref name="sql"/> (<see cref="SelectTree.Parse"/>) and analyzes it.</summary>
    public static RelationLineage Analyze(string sql, IReadOnlyDictionary<string, IReadOnlyList<string>?> relations) =>
        Analyze(SelectTree.Parse(sql), relations);

    /// <summary>A relation visible in a FROM clause, by the name a qualified reference uses.</summary>
    private sealed record Binding(string Name, RelationLineage Lineage);

    /// <summary>The relations of one FROM clause, the columns its joins merge, and the enclosing query's (for correlated names).</summary>
    private sealed record Scope(IReadOnlyList<Binding> Bindings, IReadOnlySet<string> Merged, Scope? Outer);

    private sealed class Binder(Dictionary<string, RelationLineage> inputs)
    {
        public RelationLineage Query(JsonElement node, ImmutableDictionary<string, RelationLineage> ctes, Scope? outer)
        {
            if (node.TryGetProperty("cte_map", out var cteMap) && cteMap.TryGetProperty("map", out var map))
            {
                // Each CTE sees the ones before it, as DuckDB binds them.
                foreach (var cte in map.EnumerateArray())
                {
                    var value = cte.GetProperty("value");
                    var body = Query(value.GetProperty("query").GetProperty("node"), ctes, outer);
                    ctes = ctes.SetItem(cte.GetProperty("key").GetString()!, Rename(body, value.GetProperty("aliases")));
                }
            }

            switch (Text(node, "type"))
            {
                case "SELECT_NODE":
                    return Select(node, ctes, outer);
                case "SET_OPERATION_NODE":
                    return SetOperation(node, ctes, outer);
                case "RECURSIVE_CTE_NODE":
                    var anchor = Query(node.GetProperty("left"), ctes, outer);
                    return RelationLineage.Unresolved("a recursive CTE is not resolved", [.. anchor.Columns.Select(c => c.Column)]);
                default:
                    return RelationLineage.Unresolved($"a {Text(node, "type")} is not resolved");
            }
        }

        private RelationLineage SetOperation(JsonElement node, ImmutableDictionary<string, RelationLineage> ctes, Scope? outer)
        {
            var left = Query(node.GetProperty("left"), ctes, outer);
            var right = Query(node.GetProperty("right"), ctes, outer);
            var kind = Text(node, "setop_type");
            if (kind is "EXCEPT" or "INTERSECT")
            {
                // The rows are the left side's; the right only filters them.
                return left;
            }

            if (!left.IsComplete || !right.IsComplete)
            {
                return RelationLineage.Unresolved($"a {kind} over a relation whose columns are not all known is not resolved", [.. left.Columns.Select(c => c.Column)]);
            }

            if (kind == "UNION_BY_NAME")
            {
                var names = left.Columns.Select(c => c.Column)
                    .Concat(right.Columns.Select(c => c.Column).Where(n => left.Find(n) is null))
                    .ToList();
                return new([.. names.Select(n => Union(n, left.Find(n), right.Find(n)))]);
            }

            if (left.Columns.Count != right.Columns.Count)
            {
                return RelationLineage.Unresolved("the sides of a UNION have different numbers of columns", [.. left.Columns.Select(c => c.Column)]);
            }

            return new([.. left.Columns.Select((c, i) => Union(c.Column, c, right.Columns[i]))]);
        }

        private static ColumnOrigin Union(string name, ColumnOrigin? left, ColumnOrigin? right) =>
            new(name, RelationLineage.Distinct((left?.Sources ?? []).Concat(right?.Sources ?? [])), left?.Unknown ?? right?.Unknown);

        private RelationLineage Select(JsonElement node, ImmutableDictionary<string, RelationLineage> ctes, Scope? outer)
        {
            var bindings = new List<Binding>();
            var merged = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var scope = new Scope(bindings, merged, outer);
            From(node.GetProperty("from_table"), ctes, scope, bindings, merged);

            var columns = new List<ColumnOrigin>();
            var aliases = new Dictionary<string, ColumnOrigin>(StringComparer.OrdinalIgnoreCase);
            Func<string, ColumnOrigin>? rest = null;
            foreach (var item in node.GetProperty("select_list").EnumerateArray())
            {
                var alias = Text(item, "alias");
                switch (Text(item, "class"))
                {
                    case "STAR":
                        var (expanded, more) = Star(item, scope);
                        columns.AddRange(expanded);
                        rest ??= more;
                        continue;
                    case "COLUMN_REF":
                        var found = Resolve(item, scope, aliases);
                        columns.Add(string.IsNullOrEmpty(alias) ? found : found.Named(alias));
                        break;
                    default:
                        columns.Add(Expression(item, scope, aliases).Named(string.IsNullOrEmpty(alias) ? "?" : alias));
                        break;
                }

                if (!string.IsNullOrEmpty(alias))
                {
                    aliases.TryAdd(alias, columns[^1]);
                }
            }

            return new(columns, rest);
        }

        private void From(JsonElement table, ImmutableDictionary<string, RelationLineage> ctes, Scope scope, List<Binding> bindings, HashSet<string> merged)
        {
            var alias = Text(table, "alias");
            switch (Text(table, "type"))
            {
                case "EMPTY":
                    return;
                case "BASE_TABLE":
                    var name = Text(table, "table_name") ?? string.Empty;
                    RelationLineage lineage;
                    if (!string.IsNullOrEmpty(Text(table, "schema_name")) || !string.IsNullOrEmpty(Text(table, "catalog_name")))
                    {
                        lineage = RelationLineage.Unresolved($"a qualified table name ({name}) is not an input");
                    }
                    else
                    {
                        lineage = ctes.TryGetValue(name, out var cte) ? cte
                            : inputs.TryGetValue(name, out var input) ? input
                            : RelationLineage.Unresolved($"'{name}' is not one of the inputs given");
                    }

                    bindings.Add(new(string.IsNullOrEmpty(alias) ? name : alias, Rename(lineage, table.GetProperty("column_name_alias"))));
                    return;
                case "SUBQUERY":
                    var body = Query(table.GetProperty("subquery").GetProperty("node"), ctes, scope.Outer);
                    bindings.Add(new(string.IsNullOrEmpty(alias) ? "unnamed_subquery" : alias, Rename(body, table.GetProperty("column_name_alias"))));
                    return;
                case "JOIN":
                    var before = bindings.Count;
                    From(table.GetProperty("left"), ctes, scope, bindings, merged);
                    var leftCount = bindings.Count;
                    From(table.GetProperty("right"), ctes, scope, bindings, merged);
                    foreach (var column in table.GetProperty("using_columns").EnumerateArray())
                    {
                        merged.Add(column.GetString()!);
                    }

                    if (Text(table, "ref_type") == "NATURAL")
                    {
                        var leftNames = bindings.Take(leftCount).Skip(before).SelectMany(b => b.Lineage.Columns.Select(c => c.Column));
                        var rightNames = bindings.Skip(leftCount).SelectMany(b => b.Lineage.Columns.Select(c => c.Column));
                        merged.UnionWith(leftNames.Intersect(rightNames, StringComparer.OrdinalIgnoreCase));
                    }

                    return;
                case "EXPRESSION_LIST":
                    var rows = table.GetProperty("values").EnumerateArray().ToList();
                    var width = rows.Count == 0 ? 0 : rows[0].GetArrayLength();
                    var values = Enumerable.Range(0, width)
                        .Select(i => Merge($"col{i}", rows.Select(r => Expression(r[i], scope, null)), ColumnDerivation.Expression))
                        .ToList();
                    bindings.Add(new(string.IsNullOrEmpty(alias) ? "valueslist" : alias, new RelationLineage(values)));
                    return;
                case "TABLE_FUNCTION":
                    var function = table.TryGetProperty("function", out var f) ? Text(f, "function_name") : null;
                    bindings.Add(new(string.IsNullOrEmpty(alias) ? function ?? "?" : alias, RelationLineage.Unresolved($"the columns of table function {function} are not resolved")));
                    return;
                default:
                    bindings.Add(new(alias ?? "?", RelationLineage.Unresolved($"a {Text(table, "type")} in FROM is not resolved")));
                    return;
            }
        }

        /// <summary>A relation's columns renamed positionally, as <c>t(a, b)</c> or <c>WITH c(a, b)</c> does.</summary>
        private static RelationLineage Rename(RelationLineage lineage, JsonElement aliases)
        {
            var names = aliases.EnumerateArray().Select(a => a.GetString()!).ToList();
            if (names.Count == 0)
            {
                return lineage;
            }

            if (names.Count > lineage.Columns.Count)
            {
                return RelationLineage.Unresolved("column aliases over a relation whose columns are not all known are not resolved", names);
            }

            return new([.. lineage.Columns.Select((c, i) => i < names.Count ? c.Named(names[i]) : c)], lineage.IsComplete ? null : lineage.Of);
        }

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
