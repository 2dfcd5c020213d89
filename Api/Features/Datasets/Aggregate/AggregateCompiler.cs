using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;

namespace Ductus.Api.Features.Datasets.Aggregate;

/// <summary>A compiled aggregate: SQL with <c>$name</c> placeholders and the values to bind.</summary>
public sealed record CompiledAggregate(string Sql, IReadOnlyDictionary<string, JsonElement> Parameters);

/// <summary>A problem with one field of an aggregate request, named by its JSON path.</summary>
public sealed record AggregateError(string Field, string Reason);

/// <summary>
/// Turns an aggregate <see cref="Request"/> into one SELECT. Nothing the caller sends reaches the SQL
/// text except column names that match the dataset's catalog columns (then written in the
/// catalog's spelling, quoted) and words from fixed lists; every value is a parameter. The SQL
/// then goes through the same guard and sandbox as <c>/api/query</c>.
/// </summary>
public static partial class AggregateCompiler
{
    public static readonly IReadOnlyDictionary<string, string> Buckets = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["hour"] = "hour",
        ["day"] = "day",
        ["week"] = "week",
        ["month"] = "month",
    };

    /// <summary>Filter operators and their SQL; <c>{0}</c> is the column, <c>{1}</c> the parameter(s).</summary>
    public static readonly IReadOnlyDictionary<string, string> Operators = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["eq"] = "{0} = {1}",
        ["ne"] = "{0} <> {1}",
        ["lt"] = "{0} < {1}",
        ["lte"] = "{0} <= {1}",
        ["gt"] = "{0} > {1}",
        ["gte"] = "{0} >= {1}",
        ["in"] = "{0} IN ({1})",
        ["not_in"] = "{0} NOT IN ({1})",
        ["is_null"] = "{0} IS NULL",
        ["not_null"] = "{0} IS NOT NULL",
        ["contains"] = "contains({0}, {1})",
        ["starts_with"] = "starts_with({0}, {1})",
    };

    private static readonly string[] Functions = ["count", "sum", "avg", "min", "max", "count_distinct", "percentile", "p50", "p95", "p99"];

    private const int MaxInValues = 1000;

    public static (CompiledAggregate? Query, IReadOnlyList<AggregateError> Errors) Compile(string dataset, IReadOnlyList<DatasetColumn> columns, Request spec)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<AggregateError>();
        var byName = columns.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var select = new List<string>();
        var groups = new List<string>();
        var outputs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); // output name → quoted

        DatasetColumn? Column(string field, string? name)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add(new(field, "a column is required"));
                return null;
            }

            if (!byName.TryGetValue(name, out var column))
            {
                errors.Add(new(field, $"unknown column '{name}' in dataset {dataset}"));
                return null;
            }

            return column;
        }

        void Output(string field, string name, string expression, bool named = true)
        {
            if (named && !NamePattern().IsMatch(name))
            {
                errors.Add(new(field, $"'{name}' is not a valid output name: letters, digits and _, not starting with a digit"));
            }
            else if (!outputs.TryAdd(name, Sql.Ident(name)))
            {
                errors.Add(new(field, $"output column '{name}' is named twice"));
            }
            else
            {
                select.Add($"{expression} AS {Sql.Ident(name)}");
            }
        }

        if (spec.TimeBucket is { } bucket)
        {
            var column = Column("timeBucket.column", bucket.Column);
            if (!Buckets.TryGetValue(bucket.Bucket ?? string.Empty, out var unit))
            {
                errors.Add(new("timeBucket.bucket", $"'{bucket.Bucket}' is not a bucket: use one of {string.Join(", ", Buckets.Keys)}"));
            }
            else if (column is not null && !IsTemporal(column.Type))
            {
                errors.Add(new("timeBucket.column", $"column '{column.Name}' is {column.Type}, not a date or timestamp"));
            }
            else if (column is not null)
            {
                var expression = $"date_trunc('{unit}', {Sql.Ident(column.Name)})";
                Output("timeBucket.as", bucket.As ?? unit, expression);
                groups.Add(expression);
            }
        }

        for (var i = 0; i < (spec.GroupBy?.Count ?? 0); i++)
        {
            if (Column($"groupBy[{i}]", spec.GroupBy![i]) is { } column)
            {
                Output($"groupBy[{i}]", column.Name, Sql.Ident(column.Name), named: false);
                groups.Add(Sql.Ident(column.Name));
            }
        }

        if (spec.Metrics is not { Count: > 0 })
        {
            errors.Add(new("metrics", "at least one metric is required (e.g. {\"fn\": \"count\"})"));
        }

        for (var i = 0; i < (spec.Metrics?.Count ?? 0); i++)
        {
            var metric = spec.Metrics![i];
            var field = $"metrics[{i}]";
            var fn = (metric.Fn ?? string.Empty).ToLowerInvariant();
            if (!Functions.Contains(fn))
            {
                errors.Add(new($"{field}.fn", $"'{metric.Fn}' is not a metric: use one of {string.Join(", ", Functions)}"));
                continue;
            }

            if (fn == "count" && metric.Column is null)
            {
                Output($"{field}.as", metric.As ?? "count", "count(*)");
                continue;
            }

            if (Column($"{field}.column", metric.Column) is not { } column)
            {
                continue;
            }

            var quoted = Sql.Ident(column.Name);
            double? q = fn switch
            {
                "p50" => 0.5,
                "p95" => 0.95,
                "p99" => 0.99,
                "percentile" => metric.Q,
                _ => null,
            };
            if (fn == "percentile" && q is not (> 0 and < 1))
            {
                errors.Add(new($"{field}.q", "percentile needs q between 0 and 1 (exclusive), e.g. 0.95"));
                continue;
            }

            if (fn is "sum" or "avg" || q is not null)
            {
                if (!IsNumeric(column.Type) && !(q is not null && IsTemporal(column.Type)))
                {
                    errors.Add(new($"{field}.column", $"{fn} needs a numeric column; '{column.Name}' is {column.Type}"));
                    continue;
                }
            }

            var (expression, name) = fn switch
            {
                "count" => ($"count({quoted})", $"count_{column.Name}"),
                "count_distinct" => ($"count(DISTINCT {quoted})", $"count_distinct_{column.Name}"),
                _ when q is { } quantile => (
                    $"quantile_cont({quoted}, {quantile.ToString("0.0###", CultureInfo.InvariantCulture)})",
                    $"p{(quantile * 100).ToString("0.##", CultureInfo.InvariantCulture).Replace('.', '_')}_{column.Name}"),
                _ => ($"{fn}({quoted})", $"{fn}_{column.Name}"),
            };
            Output($"{field}.as", metric.As ?? name, expression);
        }

        var where = new List<string>();
        for (var i = 0; i < (spec.Filters?.Count ?? 0); i++)
        {
            var filter = spec.Filters![i];
            var field = $"filters[{i}]";
            var column = Column($"{field}.column", filter.Column);
            if (!Operators.TryGetValue(filter.Op ?? string.Empty, out var template))
            {
                errors.Add(new($"{field}.op", $"'{filter.Op}' is not an operator: use one of {string.Join(", ", Operators.Keys)}"));
                continue;
            }

            if (column is null)
            {
                continue;
            }

            var op = filter.Op!.ToLowerInvariant();
            var value = filter.Value is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } v ? v : (JsonElement?)null;
            string placeholders;
            if (op is "is_null" or "not_null")
            {
                if (value is not null)
                {
                    errors.Add(new($"{field}.value", $"{op} takes no value"));
                    continue;
                }

                placeholders = string.Empty;
            }
            else if (op is "in" or "not_in")
            {
                if (value is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() is 0 or > MaxInValues
                    || list.EnumerateArray().Any(e => !IsScalar(e)))
                {
                    errors.Add(new($"{field}.value", $"{op} needs an array of 1 to {MaxInValues} strings, numbers or booleans"));
                    continue;
                }

                var names = new List<string>();
                foreach (var (element, j) in list.EnumerateArray().Select((e, j) => (e, j)))
                {
                    var name = $"f{i}_{j}";
                    parameters[name] = element.Clone();
                    names.Add("$" + name);
                }

                placeholders = string.Join(", ", names);
            }
            else
            {
                if (value is not { } scalar || !IsScalar(scalar))
                {
                    errors.Add(new($"{field}.value", $"{op} needs a value: a string, number or boolean"));
                    continue;
                }

                if (op is "contains" or "starts_with" && scalar.ValueKind != JsonValueKind.String)
                {
                    errors.Add(new($"{field}.value", $"{op} needs a string value"));
                    continue;
                }

                var name = $"f{i}";
                parameters[name] = scalar.Clone();
                placeholders = "$" + name;
            }

            where.Add(string.Format(CultureInfo.InvariantCulture, template, Sql.Ident(column.Name), placeholders));
        }

        var order = new List<string>();
        for (var i = 0; i < (spec.OrderBy?.Count ?? 0); i++)
        {
            var by = spec.OrderBy![i];
            if (!outputs.TryGetValue(by.By ?? string.Empty, out var quoted))
            {
                errors.Add(new($"orderBy[{i}].by", $"'{by.By}' is not an output column: use one of {string.Join(", ", outputs.Keys)}"));
                continue;
            }

            order.Add(quoted + (by.Desc ? " DESC NULLS LAST" : " ASC NULLS LAST"));
        }

        if (spec.Limit is < 1)
        {
            errors.Add(new("limit", "limit must be 1 or more"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (order.Count == 0)
        {
            order.AddRange(Enumerable.Range(1, groups.Count).Select(n => n.ToString(CultureInfo.InvariantCulture)));
        }

        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ").Append(Sql.Ident(dataset));
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        if (groups.Count > 0)
        {
            sql.Append(" GROUP BY ").AppendJoin(", ", groups);
        }

        if (order.Count > 0)
        {
            sql.Append(" ORDER BY ").AppendJoin(", ", order);
        }

        if (spec.Limit is { } limit)
        {
            sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        return (new CompiledAggregate(sql.ToString(), parameters), []);
    }

    private static bool IsScalar(JsonElement e) => e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    private static bool IsTemporal(string type) =>
        type.Contains("TIMESTAMP", StringComparison.OrdinalIgnoreCase) || type.StartsWith("DATE", StringComparison.OrdinalIgnoreCase);

    private static bool IsNumeric(string type) =>
        NumericPattern().IsMatch(type);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT[1248]|DECIMAL.*|NUMERIC.*|DOUBLE|FLOAT[48]?|REAL|LONG|SHORT|INTERVAL)$", RegexOptions.IgnoreCase)]
    private static partial Regex NumericPattern();
}
