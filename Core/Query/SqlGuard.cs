using System.Collections.Frozen;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Ductus.Core.Query;

/// <summary>The outcome of checking one statement: accepted with what it reads, or refused with why.</summary>
/// <param name="Sql">
/// The accepted statement as DuckDB re-renders it from the parse tree that was checked, so what
/// runs is exactly what was inspected (no comment or quoting trick survives the round trip).
/// </param>
/// <param name="Datasets">Catalog datasets the statement reads, spelled as the catalog spells them.</param>
public sealed record GuardResult(bool Allowed, string? Error, string? Sql, IReadOnlyList<string> Datasets)
{
    public static GuardResult Refused(string error) => new(false, error, null, []);
}

/// <summary>
/// Accepts only a single read-only SELECT over catalog datasets, using DuckDB's own parser
/// (<c>json_serialize_sql</c>) rather than a home-made one, so the statement cannot be read one way
/// here and another way by the engine. Names resolve as DuckDB's binder resolves them: a CTE is
/// visible after its definition and outside its own body (a recursive one also in its recursive
/// term), and functions are called only when <see cref="FunctionList"/> allows them.
/// </summary>
public static class SqlGuard
{
    /// <summary>The list-aggregate functions, which take the aggregate to run by name, as a string.</summary>
    private static readonly FrozenSet<string> ListAggregates = FrozenSet.ToFrozenSet(
        ["list_aggregate", "list_aggr", "aggregate", "array_aggregate", "array_aggr"], StringComparer.Ordinal);

    /// <summary>
    /// Names DuckDB's binder turns into a function call when no column has the name
    /// (<c>GetSQLValueFunctionName</c>): <c>SELECT user</c> parses as a column and runs <c>user()</c>.
    /// </summary>
    internal static readonly FrozenDictionary<string, string> ValueKeywords = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["current_catalog"] = "current_catalog",
        ["current_date"] = "current_date",
        ["current_schema"] = "current_schema",
        ["current_role"] = "current_role",
        ["current_time"] = "get_current_time",
        ["current_timestamp"] = "get_current_timestamp",
        ["current_user"] = "current_user",
        ["localtime"] = "current_localtime",
        ["localtimestamp"] = "current_localtimestamp",
        ["session_user"] = "session_user",
        ["user"] = "user",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Table reference kinds a plain analytics SELECT can use; anything else (SHOW, DESCRIBE...) is refused.</summary>
    private static readonly HashSet<string> AllowedTableRefs = new(StringComparer.Ordinal)
    {
        "BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "TABLE_FUNCTION", "PIVOT",
    };

    /// <summary>Query node kinds of a read-only SELECT (a CTE holding an INSERT, UPDATE or DELETE is another kind).</summary>
    private static readonly HashSet<string> AllowedQueryNodes = new(StringComparer.Ordinal)
    {
        "SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE",
    };

    /// <summary>Checks <paramref name="sql"/> with a connection of the process's parser instance (<see cref="GuardParser"/>).</summary>
    public static Task<GuardResult> CheckAsync(string sql, IReadOnlyCollection<string> datasets, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var parser = GuardParser.Shared.Rent();
        try
        {
            return Task.FromResult(Check(parser, sql, datasets));
        }
        finally
        {
            GuardParser.Shared.Return(parser);
        }
    }

    /// <summary>Checks <paramref name="sql"/>, using <paramref name="parser"/> only to parse (nothing is executed).</summary>
    public static GuardResult Check(DuckDBConnection parser, string sql, IReadOnlyCollection<string> datasets)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(datasets);
        if (string.IsNullOrWhiteSpace(sql))
        {
            return GuardResult.Refused("the statement is empty");
        }

        var json = GuardParser.Serialize(parser, sql);

        using var tree = JsonDocument.Parse(json);
        var root = tree.RootElement;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.True)
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : null;
            // json_serialize_sql serializes SELECT only, so every other statement kind lands here.
            return message is not null && message.Contains("Only SELECT", StringComparison.Ordinal)
                ? GuardResult.Refused("only a SELECT statement is allowed")
                : GuardResult.Refused($"the statement does not parse: {message}");
        }

        var statements = root.GetProperty("statements");
        if (statements.GetArrayLength() == 0)
        {
            return GuardResult.Refused("the statement is empty");
        }

        if (statements.GetArrayLength() > 1)
        {
            return GuardResult.Refused("only one SELECT statement is allowed");
        }

        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in datasets)
        {
            known[AsciiCase.Fold(name)] = name;
        }

        var walker = new Walker(known, GuardParser.Shared.CatalogNames);
        var refusal = walker.Visit(statements[0], Scope.Empty, inTableFunction: false);
        if (refusal is not null)
        {
            return GuardResult.Refused(refusal);
        }

        return new GuardResult(true, null, GuardParser.Render(parser, json), [.. walker.Referenced]);
    }

    /// <summary>CTE names visible at a point of the tree (ASCII-folded); a visible CTE shadows a dataset of its name, as in DuckDB.</summary>
    private sealed class Scope
    {
        public static readonly Scope Empty = new(null, string.Empty);

        private readonly Scope? _parent;
        private readonly string _name;

        private Scope(Scope? parent, string name)
        {
            _parent = parent;
            _name = name;
        }

        public Scope With(string name) => new(this, AsciiCase.Fold(name));

        public bool Contains(string name)
        {
            var folded = AsciiCase.Fold(name);
            for (var scope = this; scope is not null; scope = scope._parent)
            {
                if (scope._parent is not null && string.Equals(scope._name, folded, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Walks every node of the parse tree rather than only the fields known today, so a construct
    /// added by a later DuckDB still has its table references and functions checked.
    /// </summary>
    private sealed class Walker(Dictionary<string, string> known, FrozenSet<string> catalogNames)
    {
        public SortedSet<string> Referenced { get; } = new(StringComparer.Ordinal);

        /// <param name="inTableFunction">Inside a table function's arguments, where DuckDB also reads the last part of a dotted name as a SQL value keyword.</param>
        public string? Visit(JsonElement element, Scope scope, bool inTableFunction)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    if (Visit(item, scope, inTableFunction) is { } refusal)
                    {
                        return refusal;
                    }
                }

                return null;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (Check(element, scope, inTableFunction) is { } own)
            {
                return own;
            }

            // DuckDB binds a query node's CTEs in order, each body with the CTEs before it only
            // (its own name there is the catalog's, not the CTE), then the rest of the node with all of them.
            var inner = scope;
            if (element.TryGetProperty("cte_map", out var cteMap) && cteMap.TryGetProperty("map", out var ctes) && ctes.ValueKind == JsonValueKind.Array)
            {
                foreach (var cte in ctes.EnumerateArray())
                {
                    var name = cte.GetProperty("key").GetString() ?? string.Empty;
                    if (CteNameRefusal(name) is { } named)
                    {
                        return named;
                    }

                    if (Visit(cte.GetProperty("value"), inner, inTableFunction) is { } body)
                    {
                        return body;
                    }

                    inner = inner.With(name);
                }
            }

            // WITH RECURSIVE: the CTE's own name is bound in the recursive term (right) only, not in the anchor (left).
            var recursive = Text(element, "type") == "RECURSIVE_CTE_NODE" ? Text(element, "cte_name") : null;
            var isTableFunction = Text(element, "type") == "TABLE_FUNCTION" && element.TryGetProperty("sample", out _);
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("cte_map"))
                {
                    continue;
                }

                var propertyScope = recursive is not null && property.NameEquals("right") ? inner.With(recursive) : inner;
                var arguments = inTableFunction || (isTableFunction && property.NameEquals("function"));
                if (Visit(property.Value, propertyScope, arguments) is { } refusal)
                {
                    return refusal;
                }
            }

            return null;
        }

        private string? CteNameRefusal(string name)
        {
            if (LooksLikePath(name))
            {
                return $"a CTE cannot be named '{name}': that is a file path";
            }

            return catalogNames.Contains(AsciiCase.Fold(name))
                ? $"a CTE cannot be named '{name}': that is a DuckDB catalog table"
                : null;
        }

        private string? Check(JsonElement node, Scope scope, bool inTableFunction)
        {
            if (node.TryGetProperty("class", out var cls))
            {
                return cls.GetString() switch
                {
                    // Expressions: function calls (window functions included) and the SQL value
                    // keywords are the only ways an expression reaches outside the row.
                    "FUNCTION" or "WINDOW" => CheckCall(node),
                    "COLUMN_REF" => CheckColumn(node, inTableFunction),
                    _ => null,
                };
            }

            if (node.TryGetProperty("modifiers", out _) && node.TryGetProperty("cte_map", out _))
            {
                var kind = Text(node, "type") ?? string.Empty;
                return AllowedQueryNodes.Contains(kind) ? null : $"a {kind.ToLowerInvariant().Replace('_', ' ')} is not allowed: only SELECT";
            }

            var isTableRef = !node.TryGetProperty("modifiers", out _) && node.TryGetProperty("sample", out _)
                && node.TryGetProperty("query_location", out _) && node.TryGetProperty("type", out _);
            if (!isTableRef)
            {
                return null;
            }

            var type = Text(node, "type") ?? string.Empty;
            if (!AllowedTableRefs.Contains(type))
            {
                return $"a {type.ToLowerInvariant().Replace('_', ' ')} table reference is not allowed";
            }

            if (type == "TABLE_FUNCTION")
            {
                var name = node.TryGetProperty("function", out var f) ? Text(f, "function_name") : null;
                return name is not null && FunctionList.MayReadFrom(name) ? null : $"table function {name} is not allowed";
            }

            if (type != "BASE_TABLE")
            {
                return null;
            }

            var table = Text(node, "table_name") ?? string.Empty;
            var schema = Text(node, "schema_name");
            var catalog = Text(node, "catalog_name");
            if (!string.IsNullOrEmpty(schema) || !string.IsNullOrEmpty(catalog))
            {
                var qualified = string.Join('.', new[] { catalog, schema, table }.Where(p => !string.IsNullOrEmpty(p)));
                return $"qualified table reference '{qualified}' is not allowed: name a dataset";
            }

            if (node.TryGetProperty("at_clause", out var at) && at.ValueKind != JsonValueKind.Null)
            {
                return "AT (time travel) clauses are not allowed: pin dataset versions in the request";
            }

            if (scope.Contains(table))
            {
                return null;
            }

            if (known.TryGetValue(AsciiCase.Fold(table), out var dataset))
            {
                Referenced.Add(dataset);
                return null;
            }

            return LooksLikePath(table)
                ? $"file path '{table}' is not allowed as a table: name a dataset"
                : $"unknown dataset '{table}'";
        }

        private static string? CheckCall(JsonElement node)
        {
            if (Text(node, "function_name") is not { } function)
            {
                return null;
            }

            if (!FunctionList.MayCall(function))
            {
                return $"function {function} is not allowed";
            }

            if (!ListAggregates.Contains(AsciiCase.Fold(function))
                || !node.TryGetProperty("children", out var children) || children.GetArrayLength() < 2)
            {
                return null;
            }

            // list_aggr(l, 'name') runs the aggregate it names: the name must be an allowed function too.
            var argument = children[1];
            var named = Text(argument, "class") == "CONSTANT" && argument.TryGetProperty("value", out var value)
                && value.TryGetProperty("value", out var text) && text.ValueKind == JsonValueKind.String
                ? text.GetString()
                : null;
            return named is not null && FunctionList.MayCall(named)
                ? null
                : $"function {function} is not allowed with '{named ?? "(an expression)"}': it runs the aggregate it names, which must be an allowed function given as a string constant";
        }

        private static string? CheckColumn(JsonElement node, bool inTableFunction)
        {
            if (!node.TryGetProperty("column_names", out var names) || names.GetArrayLength() == 0)
            {
                return null;
            }

            var parts = names.EnumerateArray().Select(n => n.GetString() ?? string.Empty).ToList();
            // Where DuckDB's binder may read a name as a SQL value keyword: a bare name (no column of
            // that name), the first part of a dotted one (a column holding a struct), the part after
            // "alias." and, in a table function's arguments, the last part.
            var candidates = new List<string> { parts[0] };
            if (parts.Count > 1 && (inTableFunction || AsciiCase.Fold(parts[0]) == "alias"))
            {
                candidates.Add(parts[^1]);
            }

            foreach (var candidate in candidates)
            {
                if (ValueKeywords.TryGetValue(AsciiCase.Fold(candidate), out var function) && !FunctionList.MayCall(function))
                {
                    return $"function {function} is not allowed: DuckDB reads '{candidate}' as a call to it unless a column has that name (write table.{candidate} for a column)";
                }
            }

            return null;
        }

        private static bool LooksLikePath(string name) => name.IndexOfAny(['/', '\\', '.', ':', '*', '~', '?', '[', '{']) >= 0;

        private static string? Text(JsonElement node, string property) =>
            node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
