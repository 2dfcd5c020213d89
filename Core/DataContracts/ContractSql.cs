using System.Text;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Core.DataContracts;

/// <summary>A column the transform produced, with the DuckDB type it has and the type it loads as.</summary>
public sealed record RelationColumn(string Name, string Type, string? TargetType, ColumnContract? Contract)
{
    /// <summary>True when the contract asks for a type the transform did not produce, so values are cast (and checked).</summary>
    public bool NeedsCast => TargetType is not null && !string.Equals(TargetType, Type, StringComparison.OrdinalIgnoreCase);
}

/// <summary>One contract rule as SQL: a condition that is true when a row breaks it, and the message it gets.</summary>
public sealed record CompiledRule(string Name, string BrokenWhen, string Message);

/// <summary>
/// Compiles a contract to SQL that DuckDB evaluates over the whole relation in one pass: one
/// boolean per row decides; the names of the broken rules and their messages are built only for
/// rejected rows, so passing rows never pay for lists or string formatting.
/// <para>
/// Shared by the run engine's contract pass (Pipelines) and the Api's rule what-if, which re-checks
/// stored rejects against an edited contract: both must judge a row by the very same SQL.
/// </para>
/// </summary>
public static class ContractSql
{
    public static IReadOnlyList<CompiledRule> Compile(ContractSpec? contract, IReadOnlyList<RelationColumn> columns)
    {
        var rules = new List<CompiledRule>();
        if (contract is null)
        {
            return rules;
        }

        foreach (var column in columns.Where(c => c.Contract is not null))
        {
            var c = column.Contract!;
            var raw = Sql.Ident(column.Name);
            var value = column.NeedsCast ? $"TRY_CAST({raw} AS {column.TargetType})" : raw;
            var effectiveType = column.TargetType ?? column.Type;
            var shown = Shown(raw, column.Type);
            var label = Sql.Literal(column.Name + " ");

            if (c.Required)
            {
                rules.Add(new CompiledRule($"{column.Name}.required", $"{raw} IS NULL", Sql.Literal($"{column.Name} is required")));
            }

            if (column.NeedsCast)
            {
                rules.Add(new CompiledRule($"{column.Name}.type", $"{raw} IS NOT NULL AND {value} IS NULL", $"{label} || {shown} || {Sql.Literal($" is not a valid {c.Type}")}"));
            }

            // Bounds compare as numbers unless the column is a date or time; text that is no number is the type rule's business.
            var temporal = SpecTypes.IsTemporal(effectiveType);
            var boundType = temporal ? effectiveType : "DOUBLE";
            var bounded = temporal || SpecTypes.IsNumeric(effectiveType) ? value : $"TRY_CAST({value} AS DOUBLE)";
            // An integer column against a whole-number bound compares as integers: no per-row conversion to DOUBLE.
            string Bound(string literal) =>
                !temporal && IsInteger(effectiveType) && long.TryParse(literal, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
                    ? $"CAST({Sql.Literal(literal)} AS BIGINT)"
                    : $"CAST({Sql.Literal(literal)} AS {boundType})";
            if (c.Min is { } min)
            {
                rules.Add(new CompiledRule($"{column.Name}.min", $"{bounded} < {Bound(min)}", $"{label} || {shown} || {Sql.Literal($" is below min {min}")}"));
            }

            if (c.Max is { } max)
            {
                rules.Add(new CompiledRule($"{column.Name}.max", $"{bounded} > {Bound(max)}", $"{label} || {shown} || {Sql.Literal($" is above max {max}")}"));
            }

            if (c.Pattern is { } pattern)
            {
                rules.Add(new CompiledRule($"{column.Name}.pattern", $"NOT {PatternTest($"CAST({value} AS VARCHAR)", pattern)}", $"{label} || {shown} || {Sql.Literal($" does not match pattern {pattern}")}"));
            }

            if (c.AcceptedValues is { Count: > 0 } accepted)
            {
                rules.Add(new CompiledRule($"{column.Name}.accepted_values", $"CAST({value} AS VARCHAR) NOT IN ({string.Join(", ", accepted.Select(Sql.Literal))})", $"{label} || {shown} || {Sql.Literal($" is not one of: {string.Join(", ", accepted)}")}"));
            }

            if (c.MaxLength is { } maxLength)
            {
                rules.Add(new CompiledRule($"{column.Name}.max_length", $"length(CAST({raw} AS VARCHAR)) > {Sql.Number(maxLength)}", $"{label} || {shown} || {Sql.Literal($" is longer than {maxLength} characters")}"));
            }

            if (c.Unique)
            {
                rules.Add(new CompiledRule($"{column.Name}.unique", $"{raw} IS NOT NULL AND count(*) OVER (PARTITION BY {raw}) > 1", $"{label} || {shown} || {Sql.Literal(" is not unique")}"));
            }
        }

        foreach (var rule in contract.Rules)
        {
            var message = rule.Description is { Length: > 0 } description ? $"{rule.Name}: {description}" : $"{rule.Name} failed: {rule.Sql.Trim()}";
            rules.Add(new CompiledRule(rule.Name, $"NOT ({rule.Sql})", Sql.Literal(message)));
        }

        if (contract.UniqueKey.Count > 0)
        {
            var key = string.Join(", ", contract.UniqueKey.Select(Sql.Ident));
            var shownKey = string.Join(" || ', ' || ", contract.UniqueKey.Select(k => Shown(Sql.Ident(k), columns.FirstOrDefault(c => c.Name == k)?.Type ?? "VARCHAR")));
            // Like SQL UNIQUE, a key with a null in it is never a duplicate.
            var complete = string.Join(" AND ", contract.UniqueKey.Select(k => $"{Sql.Ident(k)} IS NOT NULL"));
            rules.Add(new CompiledRule("unique_key", $"{complete} AND count(*) OVER (PARTITION BY {key}) > 1", $"{Sql.Literal($"key ({string.Join(", ", contract.UniqueKey)}) = (")} || {shownKey} || ') is not unique'"));
        }

        return rules;
    }

    /// <summary>True when a row breaks no rule; a rule whose condition is NULL counts as kept.</summary>
    public static string PassedExpression(IReadOnlyList<CompiledRule> rules) =>
        rules.Count == 0 ? "true" : "NOT (" + string.Join("\n        OR ", rules.Select(Broken)) + ")";

    /// <summary>The names of the rules a row broke; evaluated only for rejected rows, so passing rows never build a list.</summary>
    public static string BrokenListExpression(IReadOnlyList<CompiledRule> rules) =>
        rules.Count == 0
            ? "CAST([] AS VARCHAR[])"
            : "list_filter([" + string.Join(", ", rules.Select(r => $"CASE WHEN {Broken(r)} THEN {Sql.Literal(r.Name)} END")) + "], x -> x IS NOT NULL)";

    /// <summary>The message of every broken rule, joined with "; "; evaluated only for rejected rows.</summary>
    public static string MessageExpression(IReadOnlyList<CompiledRule> rules) =>
        rules.Count == 0
            ? "''"
            : "concat_ws('; ', " + string.Join(", ", rules.Select(r => $"CASE WHEN {Broken(r)} THEN {r.Message} END")) + ")";

    /// <summary>The row's values as a JSON object, column by column, as the transform produced them.</summary>
    public static string ValuesJsonExpression(IReadOnlyList<RelationColumn> columns) =>
        columns.Count == 0
            ? "'{}'"
            : "CAST(to_json({" + string.Join(", ", columns.Select(c => $"{Sql.Literal(c.Name)}: {Sql.Ident(c.Name)}")) + "}) AS VARCHAR)";

    /// <summary>
    /// A pattern anchored at both ends is tested as a full match of its inside: the same meaning,
    /// and DuckDB's <c>regexp_full_match</c> is several times faster than a search with anchors.
    /// The commonest shape of all, a fixed sequence of ASCII classes and letters
    /// (<c>^[A-Z]{3}$</c>, <c>^[A-Z]{2}-\d{4}$</c>), needs no regular expression: it is the GLOB
    /// <c>[A-Z][A-Z][A-Z]</c>, about twice as fast again (measured on 10M rows: the two
    /// airport-code rules of the pipeline benchmark cost 0.7 s as regexp_full_match, 0.35 s as GLOB).
    /// Alternation is left alone because <c>^a|b$</c> anchors each branch, not the whole.
    /// </summary>
    internal static string PatternTest(string text, string pattern)
    {
        var anchored = pattern.Length >= 2 && pattern[0] == '^' && pattern[^1] == '$' && !pattern.Contains('|', StringComparison.Ordinal)
            && (pattern.Length - 1 - pattern.AsSpan(0, pattern.Length - 1).TrimEnd('\\').Length) % 2 == 0;
        if (!anchored)
        {
            return $"regexp_matches({text}, {Sql.Literal(pattern)})";
        }

        return AsGlob(pattern[1..^1]) is { } glob
            ? $"({text} GLOB {Sql.Literal(glob)})"
            : $"regexp_full_match({text}, {Sql.Literal(pattern[1..^1])})";
    }

    /// <summary>
    /// The GLOB that matches exactly the strings the regular expression matches in full, or null
    /// when the expression is more than a sequence of atoms, each an ASCII letter or digit, a
    /// <c>-</c> or <c>_</c> or space, <c>\d</c>, or a class of such characters and ranges between
    /// them (no negation), each optionally repeated an exact <c>{n}</c> times. Those atoms mean
    /// the same in both languages, and a value with any other character fails both.
    /// </summary>
    internal static string? AsGlob(string regex)
    {
        const int longestGlob = 256;
        var glob = new StringBuilder();
        var i = 0;
        while (i < regex.Length)
        {
            string atom;
            if (regex[i] == '[')
            {
                var end = regex.IndexOf(']', i + 1);
                if (end < 0 || end == i + 1)
                {
                    return null;
                }

                var inside = regex[(i + 1)..end];
                for (var k = 0; k < inside.Length; k++)
                {
                    var ch = inside[k];
                    var isRange = ch == '-' && k > 0 && k < inside.Length - 1 && char.IsAsciiLetterOrDigit(inside[k - 1]) && char.IsAsciiLetterOrDigit(inside[k + 1]) && inside[k - 1] <= inside[k + 1];
                    if (!char.IsAsciiLetterOrDigit(ch) && !isRange)
                    {
                        return null;
                    }
                }

                atom = "[" + inside + "]";
                i = end + 1;
            }
            else if (regex[i] == '\\' && i + 1 < regex.Length && regex[i + 1] == 'd')
            {
                atom = "[0-9]";
                i += 2;
            }
            else if (char.IsAsciiLetterOrDigit(regex[i]) || regex[i] is '-' or '_' or ' ')
            {
                atom = regex[i].ToString();
                i++;
            }
            else
            {
                return null;
            }

            var count = 1;
            if (i < regex.Length && regex[i] == '{')
            {
                var close = regex.IndexOf('}', i);
                if (close < 0 || !int.TryParse(regex.AsSpan(i + 1, close - i - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count < 1)
                {
                    return null;
                }

                i = close + 1;
            }

            for (var n = 0; n < count; n++)
            {
                glob.Append(atom);
            }

            if (glob.Length > longestGlob)
            {
                return null;
            }
        }

        return glob.ToString();
    }

    private static bool IsInteger(string duckType) =>
        duckType is "BIGINT" or "INTEGER" or "SMALLINT" or "TINYINT" or "UBIGINT" or "UINTEGER" or "USMALLINT" or "UTINYINT";

    private static string Broken(CompiledRule rule) => $"COALESCE({rule.BrokenWhen}, false)";

    private static string Shown(string raw, string type) =>
        type is "VARCHAR"
            ? $"COALESCE('''' || {raw} || '''', 'null')"
            : $"COALESCE(CAST({raw} AS VARCHAR), 'null')";
}
