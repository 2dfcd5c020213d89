using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Ductus.Core.Query;

/// <summary>What a guarded statement may do with one DuckDB function name.</summary>
public enum FunctionUse
{
    /// <summary>Nobody has looked at it yet (a newer DuckDB added it): refused, and FunctionListTests fails.</summary>
    Unclassified,

    /// <summary>Reads or changes state outside the query (files, catalog, settings, session...), or is not meant for SELECTs.</summary>
    Deny,

    /// <summary>Reads only its arguments (and the clock or a random source): callable anywhere in an expression.</summary>
    Allow,

    /// <summary>As <see cref="Allow"/>, and also usable as a table function in FROM.</summary>
    AllowInFrom,
}

/// <summary>One line of the classified list: a function name as <c>duckdb_functions()</c> spells it, the kinds DuckDB registers under it, and the decision.</summary>
public sealed record ClassifiedFunction(string Name, string Kinds, FunctionUse Use, string Reason);

/// <summary>
/// Every function name of the DuckDB in use, classified by hand in <c>duckdb-functions.tsv</c>
/// (embedded next to this file). The guard lets a statement call only the allowed names, so a
/// function nobody looked at — one a DuckDB upgrade adds — is refused rather than reachable, and
/// FunctionListTests fails until someone classifies it. Names are matched without ASCII case, as
/// DuckDB matches them.
/// </summary>
public static class FunctionList
{
    public const string ResourceName = "Ductus.Query.duckdb-functions.tsv";

    private static readonly (FunctionUse Use, string Text)[] Decisions =
    [
        (FunctionUse.Unclassified, "unclassified"),
        (FunctionUse.Deny, "deny"),
        (FunctionUse.Allow, "allow"),
        (FunctionUse.AllowInFrom, "allow-from"),
    ];

    private static readonly Lazy<FrozenDictionary<string, ClassifiedFunction>> Embedded = new(() =>
    {
        using var stream = typeof(FunctionList).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(FunctionList).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader).ToFrozenDictionary(f => AsciiCase.Fold(f.Name), StringComparer.Ordinal);
    });

    /// <summary>The embedded list, one entry per name.</summary>
    public static IReadOnlyCollection<ClassifiedFunction> All => Embedded.Value.Values;

    /// <summary>True when <paramref name="name"/> may be called in an expression (scalar, aggregate, window or macro).</summary>
    public static bool MayCall(string name) => Use(name) is FunctionUse.Allow or FunctionUse.AllowInFrom;

    /// <summary>True when <paramref name="name"/> may be a table function in FROM.</summary>
    public static bool MayReadFrom(string name) => Use(name) is FunctionUse.AllowInFrom;

    private static FunctionUse Use(string name) =>
        Embedded.Value.TryGetValue(AsciiCase.Fold(name), out var entry) ? entry.Use : FunctionUse.Unclassified;

    /// <summary>Reads the list format: <c>#</c> comment lines, then <c>name, kinds, decision, reason</c> separated by tabs.</summary>
    public static IReadOnlyList<ClassifiedFunction> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var entries = new List<ClassifiedFunction>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new FormatException($"{ResourceName} line {number}: expected name, kinds, decision and reason separated by tabs, got '{line}'.");
            }

            var decision = Decisions.FirstOrDefault(d => d.Text == fields[2]);
            if (decision.Text is null)
            {
                throw new FormatException(
                    $"{ResourceName} line {number}: decision '{fields[2]}' is not one of {string.Join(", ", Decisions.Select(d => d.Text))}.");
            }

            entries.Add(new ClassifiedFunction(fields[0], fields[1], decision.Use, fields[3]));
        }

        return entries;
    }

    /// <summary>Writes <paramref name="entries"/> in the list format, sorted by name, after <paramref name="header"/>.</summary>
    public static string Format(string header, IEnumerable<ClassifiedFunction> entries)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder(header);
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var decision = Decisions.First(d => d.Use == entry.Use).Text;
            text.Append(CultureInfo.InvariantCulture, $"{entry.Name}\t{entry.Kinds}\t{decision}\t{entry.Reason}\n");
        }

        return text.ToString();
    }
}

/// <summary>
/// DuckDB compares identifiers (CTE names, table and function names) ignoring ASCII case only
/// (<c>StringUtil::CIEquals</c>); .NET's OrdinalIgnoreCase also folds other letters, which would let
/// the guard take two names as one that DuckDB keeps apart.
/// </summary>
internal static class AsciiCase
{
    public static string Fold(string name) =>
        name.Any(char.IsAsciiLetterUpper)
            ? string.Create(name.Length, name, (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] + 32) : source[i];
                }
            })
            : name;
}
