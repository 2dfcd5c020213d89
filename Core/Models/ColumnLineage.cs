using System.Collections.Immutable;
using System.Text.Json;

namespace Ductus.Core.Models;

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
public static partial class ColumnLineage
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

    private sealed partial class Binder(Dictionary<string, RelationLineage> inputs)
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
    }
}
