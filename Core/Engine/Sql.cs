using System.Globalization;

namespace Ductus.Core.Engine;

/// <summary>Quoting for SQL built from spec text: every name and value a user wrote goes through here.</summary>
internal static class Sql
{
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Literal)) + "]";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
