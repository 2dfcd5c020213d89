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
/// here and another way by the engine.
/// </summary>
public static class SqlGuard
{
    /// <summary>Set-returning functions that read nothing but their arguments.</summary>
    private static readonly HashSet<string> AllowedTableFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "range", "generate_series", "unnest",
    };

    /// <summary>Scalar functions that read files, settings, the environment or the catalog, or run SQL.</summary>
    private static readonly HashSet<string> RefusedFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "glob", "getenv", "current_setting", "sniff_csv", "query", "query_table", "which_secret",
        "json_execute_serialized_sql", "json_deserialize_sql", "json_serialize_sql", "json_serialize_plan",
        "load_aws_credentials", "delta_scan", "getvariable", "checkpoint", "force_checkpoint",
        "current_database", "current_schema", "current_schemas", "current_catalog", "col_description",
        "obj_description", "format_pg_type", "format_type",
    };

    private static readonly string[] RefusedFunctionPrefixes =
    [
        "read_", "duckdb_", "pragma_", "parquet_", "iceberg_", "sqlite_", "postgres_", "mysql_", "ducklake_",
        "pg_", "has_", "icu_", "test_", "enable_", "disable_",
    ];

    /// <summary>Table reference kinds a plain analytics SELECT can use; anything else (SHOW, DESCRIBE...) is refused.</summary>
    private static readonly HashSet<string> AllowedTableRefs = new(StringComparer.Ordinal)
    {
        "BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "TABLE_FUNCTION", "PIVOT",
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

        string json;
        using (var command = parser.CreateCommand())
        {
            command.CommandText = "SELECT json_serialize_sql($sql::VARCHAR)";
            command.Parameters.Add(new DuckDBParameter("sql", sql));
            json = (string?)command.ExecuteScalar() ?? "{}";
        }

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

        var known = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in datasets)
        {
            known[name] = name;
        }

        var walker = new Walker(known);
        var refusal = walker.Visit(statements[0], ImmutableScope.Empty);
        if (refusal is not null)
        {
            return GuardResult.Refused(refusal);
        }

        string canonical;
        using (var command = parser.CreateCommand())
        {
            command.CommandText = "SELECT json_deserialize_sql($json::VARCHAR)";
            command.Parameters.Add(new DuckDBParameter("json", json));
            canonical = (string?)command.ExecuteScalar() ?? throw new InvalidOperationException("DuckDB rendered no SQL for a parsed statement.");
        }

        return new GuardResult(true, null, canonical, [.. walker.Referenced]);
    }

    private static bool IsRefusedFunction(string name) =>
        RefusedFunctions.Contains(name)
        || RefusedFunctionPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>CTE names visible at a point of the tree; CTEs shadow datasets as they do in DuckDB.</summary>
    private sealed class ImmutableScope
    {
        public static readonly ImmutableScope Empty = new(null, []);

        private readonly ImmutableScope? _parent;
        private readonly HashSet<string> _names;

        private ImmutableScope(ImmutableScope? parent, HashSet<string> names)
        {
            _parent = parent;
            _names = names;
        }

        public ImmutableScope With(IEnumerable<string> names) => new(this, new HashSet<string>(names, StringComparer.OrdinalIgnoreCase));

        public bool Contains(string name) => _names.Contains(name) || (_parent?.Contains(name) ?? false);
    }

    /// <summary>
    /// Walks every node of the parse tree rather than only the fields known today, so a construct
    /// added by a later DuckDB still has its table references and functions checked.
    /// </summary>
    private sealed class Walker(Dictionary<string, string> known)
    {
        public SortedSet<string> Referenced { get; } = new(StringComparer.Ordinal);

        public string? Visit(JsonElement element, ImmutableScope scope)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    if (Visit(item, scope) is { } refusal)
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

            // A query node's CTEs are visible in the node, its subqueries and (recursive) the CTEs themselves.
            if (element.TryGetProperty("cte_map", out var cteMap) && cteMap.TryGetProperty("map", out var ctes)
                && ctes.ValueKind == JsonValueKind.Array && ctes.GetArrayLength() > 0)
            {
                scope = scope.With(ctes.EnumerateArray().Select(c => c.GetProperty("key").GetString() ?? string.Empty));
            }

            if (Check(element, scope) is { } own)
            {
                return own;
            }

            foreach (var property in element.EnumerateObject())
            {
                if (Visit(property.Value, scope) is { } refusal)
                {
                    return refusal;
                }
            }

            return null;
        }

        private string? Check(JsonElement node, ImmutableScope scope)
        {
            if (node.TryGetProperty("class", out var cls))
            {
                // Expressions: function calls are the only way an expression reaches outside the row.
                if (cls.GetString() == "FUNCTION" && Text(node, "function_name") is { } function && IsRefusedFunction(function))
                {
                    return $"function {function} is not allowed";
                }

                return null;
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
                return name is not null && AllowedTableFunctions.Contains(name) ? null : $"table function {name} is not allowed";
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

            if (known.TryGetValue(table, out var dataset))
            {
                Referenced.Add(dataset);
                return null;
            }

            return table.IndexOfAny(['/', '\\', '.', ':', '*', '~']) >= 0
                ? $"file path '{table}' is not allowed as a table: name a dataset"
                : $"unknown dataset '{table}'";
        }

        private static string? Text(JsonElement node, string property) =>
            node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
