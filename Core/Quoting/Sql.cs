using System.Globalization;

namespace Ductus.Core.Quoting;

/// <summary>
/// Quoting for SQL built from text a user or a file wrote (DuckDB and PostgreSQL quote alike):
/// every name and value that is not a parameter goes through here.
/// </summary>
public static class Sql
{
    /// <summary>A name as a quoted identifier: <c>"a ""b"""</c>.</summary>
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A value as a string literal: <c>'it''s'</c>.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Values as a DuckDB list of string literals: <c>['a', 'b']</c>.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Literal)) + "]";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
