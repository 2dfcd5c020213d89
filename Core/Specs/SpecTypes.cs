using System.Text.RegularExpressions;

namespace Ductus.Core.Specs;

/// <summary>
/// The type names a spec may use and the DuckDB types they load as. Kept small on purpose:
/// each name must mean the same thing in the docs, the JSON Schema and the lake.
/// </summary>
public static partial class SpecTypes
{
    private static readonly Dictionary<string, string> Simple = new(StringComparer.OrdinalIgnoreCase)
    {
        ["boolean"] = "BOOLEAN",
        ["integer"] = "BIGINT",
        ["bigint"] = "BIGINT",
        ["int"] = "INTEGER",
        ["smallint"] = "SMALLINT",
        ["double"] = "DOUBLE",
        ["float"] = "FLOAT",
        ["number"] = "DOUBLE",
        ["varchar"] = "VARCHAR",
        ["string"] = "VARCHAR",
        ["text"] = "VARCHAR",
        ["date"] = "DATE",
        ["time"] = "TIME",
        ["timestamp"] = "TIMESTAMP",
        ["timestamptz"] = "TIMESTAMP WITH TIME ZONE",
        ["uuid"] = "UUID",
        ["json"] = "JSON",
        ["blob"] = "BLOB",
    };

    /// <summary>Every accepted name, for error messages and docs (<c>decimal(p,s)</c> too).</summary>
    public static IReadOnlyCollection<string> Names { get; } = [.. Simple.Keys, "decimal(p,s)"];

    /// <summary>The DuckDB type for a spec type name, or null when the name is unknown.</summary>
    public static string? ToDuckDb(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var trimmed = name.Trim();
        if (Simple.TryGetValue(trimmed, out var duck))
        {
            return duck;
        }

        var m = DecimalPattern().Match(trimmed);
        if (m.Success)
        {
            var precision = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var scale = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            return precision is >= 1 and <= 38 && scale <= precision ? $"DECIMAL({precision},{scale})" : null;
        }

        return null;
    }

    /// <summary>Types whose bounds are numbers.</summary>
    public static bool IsNumeric(string duckType) =>
        duckType is "BIGINT" or "INTEGER" or "SMALLINT" or "DOUBLE" or "FLOAT" or "TINYINT" or "HUGEINT"
            or "UBIGINT" or "UINTEGER" or "USMALLINT" or "UTINYINT" or "REAL"
        || duckType.StartsWith("DECIMAL", StringComparison.Ordinal);

    /// <summary>Types whose bounds are date or time literals.</summary>
    public static bool IsTemporal(string duckType) =>
        duckType is "DATE" or "TIME" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE";

    [GeneratedRegex(@"^decimal\s*\(\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();
}
