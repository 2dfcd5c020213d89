using System.Globalization;
using System.Text.RegularExpressions;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>The dataset's columns a run is checked against, and whether the run replaces the dataset.</summary>
/// <param name="Columns">The current snapshot's columns (the catalog's <c>datasets.columns</c>); empty before a first load.</param>
/// <param name="Replace">True when the run's commit replaces every file (a replace, or a model's full rebuild).</param>
public sealed record SchemaBaseline(IReadOnlyList<DatasetColumn> Columns, bool Replace);

/// <summary>What the schema step decided: why the run may not commit (null when it may), the dataset's columns after it, and what changed.</summary>
public sealed record SchemaCheck(string? Problem, IReadOnlyList<DatasetColumn> Columns, SchemaChanges? Changes);

/// <summary>
/// The schema step: a run's columns against its dataset's current ones under the spec's
/// <c>schema_evolution</c>. A column the dataset has and the run lacks is never a change (the
/// dataset keeps it; the run's files read it as NULL), so an ingest batch without an optional
/// field still loads. A replace leaves no file of the old schema behind, so only
/// <see cref="SchemaEvolutionPolicy.Strict"/> holds it to the old columns.
/// </summary>
public static partial class SchemaEvolution
{
    /// <summary>Signed integers, narrowest first, with the decimal digits each needs.</summary>
    private static readonly (string Type, int Digits)[] Integers =
        [("TINYINT", 3), ("SMALLINT", 5), ("INTEGER", 10), ("BIGINT", 19), ("HUGEINT", 39)];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["INT1"] = "TINYINT",
        ["INT2"] = "SMALLINT",
        ["SHORT"] = "SMALLINT",
        ["INT"] = "INTEGER",
        ["INT4"] = "INTEGER",
        ["SIGNED"] = "INTEGER",
        ["INT8"] = "BIGINT",
        ["LONG"] = "BIGINT",
        ["INT128"] = "HUGEINT",
        ["FLOAT4"] = "FLOAT",
        ["REAL"] = "FLOAT",
        ["FLOAT8"] = "DOUBLE",
        ["STRING"] = "VARCHAR",
        ["TEXT"] = "VARCHAR",
        ["CHAR"] = "VARCHAR",
        ["BPCHAR"] = "VARCHAR",
        ["NUMERIC"] = "DECIMAL",
        ["DATETIME"] = "TIMESTAMP",
    };

    /// <summary>
    /// The same check, made again by the commit against the dataset's columns as the commit finds
    /// them (<see cref="CommitRequest.ColumnsOnTopOf"/>): a run that committed after this run's
    /// schema step may have added or widened columns this run must keep, or made its columns
    /// ones the policy refuses.
    /// </summary>
    public static Func<IReadOnlyList<DatasetColumn>, (IReadOnlyList<DatasetColumn> Columns, SchemaChanges? Changes)> OnTopOf(
        SchemaEvolutionPolicy policy, bool replace, IReadOnlyList<DatasetColumn> run) =>
        current =>
        {
            var check = Check(policy, new SchemaBaseline(current, replace), run);
            return check.Problem is { } problem
                ? throw new SchemaRefusedException($"{problem} The dataset's columns changed while the run ran: another run committed first.")
                : (check.Columns, check.Changes);
        };

    /// <param name="run">The run's loaded columns (<see cref="RunOutput.Columns"/>).</param>
    /// <param name="baseline">The dataset's; null when the run has nothing to be checked against.</param>
    public static SchemaCheck Check(SchemaEvolutionPolicy policy, SchemaBaseline? baseline, IReadOnlyList<DatasetColumn> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (baseline is null || baseline.Columns.Count == 0 || (baseline.Replace && policy != SchemaEvolutionPolicy.Strict))
        {
            return new SchemaCheck(null, run, null);
        }

        var problems = new List<string>();
        var added = new List<AddedColumn>();
        var widened = new List<WidenedColumn>();
        var columns = new List<DatasetColumn>();
        foreach (var old in baseline.Columns)
        {
            if (Find(run, old.Name) is not { } now)
            {
                // Kept, and no longer required: the run's files have no value for it.
                columns.Add(old with { Required = false });
                continue;
            }

            columns.Add(now);
            if (Same(old.Type, now.Type))
            {
                continue;
            }

            if (policy == SchemaEvolutionPolicy.Widen && Widens(old.Type, now.Type))
            {
                widened.Add(new WidenedColumn(old.Name, old.Type, now.Type));
                continue;
            }

            var hint = policy == SchemaEvolutionPolicy.Widen
                ? "it is not a widening: widen allows int→bigint→double, float→double, a longer decimal or varchar, date→timestamp"
                : "widen allows int→bigint→double; strict allows no change";
            problems.Add($"column '{old.Name}': type changed from {old.Type} to {now.Type}, which schema_evolution: {SpecWriter.Name(policy)} does not allow ({hint})");
        }

        // New columns go before the lake's own, which stay last.
        var own = columns.FindIndex(c => c.Name.StartsWith("_ductus_", StringComparison.Ordinal));
        var at = own < 0 ? columns.Count : own;
        foreach (var now in run.Where(c => Find(baseline.Columns, c.Name) is null))
        {
            if (policy == SchemaEvolutionPolicy.Strict)
            {
                problems.Add($"column '{now.Name}' ({now.Type}) is new, which schema_evolution: strict does not allow (add_columns and widen allow new columns)");
            }

            added.Add(new AddedColumn(now.Name, now.Type));
            columns.Insert(at++, now);
        }

        if (problems.Count > 0)
        {
            // One line per column: the messages themselves contain "; ".
            return new SchemaCheck(string.Join('\n', problems), baseline.Columns, null);
        }

        var changes = new SchemaChanges(added, widened);
        return new SchemaCheck(null, baseline.Replace ? run : columns, changes.IsEmpty ? null : changes);
    }

    /// <summary>True when every value of type <paramref name="from"/> reads as the same value of type <paramref name="to"/>.</summary>
    public static bool Widens(string from, string to)
    {
        var (a, b) = (Parse(from), Parse(to));
        if (a.Name == b.Name && a.Name == "VARCHAR")
        {
            // VARCHAR(n) to a longer one or to VARCHAR; DuckDB itself never limits a length.
            return b.Length is null || (a.Length is { } n && b.Length >= n);
        }

        if (a.Name == "DECIMAL" && b.Name == "DECIMAL")
        {
            // Neither the integer digits nor the fraction digits may shrink.
            return b.Scale >= a.Scale && b.Precision - b.Scale >= a.Precision - a.Scale && (b.Precision, b.Scale) != (a.Precision, a.Scale);
        }

        var (fromInt, toInt) = (Array.FindIndex(Integers, i => i.Type == a.Name), Array.FindIndex(Integers, i => i.Type == b.Name));
        if (fromInt >= 0)
        {
            return (toInt > fromInt)
                || b.Name == "DOUBLE"
                || (b.Name == "DECIMAL" && b.Precision - b.Scale >= Integers[fromInt].Digits);
        }

        return (a.Name, b.Name) is ("FLOAT", "DOUBLE") or ("DATE", "TIMESTAMP");
    }

    private static bool Same(string a, string b) => Parse(a) == Parse(b);

    private static DatasetColumn? Find(IReadOnlyList<DatasetColumn> columns, string name) =>
        columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A type name without spelling differences: upper case, aliases resolved, DECIMAL's defaults filled in.</summary>
    private static TypeName Parse(string type)
    {
        var match = TypePattern().Match(type.Trim().ToUpperInvariant());
        if (!match.Success)
        {
            return new TypeName(type.Trim().ToUpperInvariant(), null, null, null);
        }

        var name = Aliases.GetValueOrDefault(match.Groups["name"].Value, match.Groups["name"].Value);
        int? first = match.Groups["p"].Success ? int.Parse(match.Groups["p"].Value, CultureInfo.InvariantCulture) : null;
        int? second = match.Groups["s"].Success ? int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) : null;
        return name switch
        {
            // DuckDB's DECIMAL without arguments is DECIMAL(18,3); with one, the scale is 0.
            "DECIMAL" => new TypeName(name, first ?? 18, first is null ? 3 : second ?? 0, null),
            "VARCHAR" => new TypeName(name, null, null, first),
            _ => new TypeName(first is null ? name : type.Trim().ToUpperInvariant(), null, null, null),
        };
    }

    [GeneratedRegex(@"^(?<name>[A-Z][A-Z0-9_ ]*?)\s*(\(\s*(?<p>\d+)\s*(,\s*(?<s>\d+)\s*)?\))?$")]
    private static partial Regex TypePattern();

    private sealed record TypeName(string Name, int? Precision, int? Scale, int? Length);
}
