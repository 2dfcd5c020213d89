namespace Ductus.Core.Quoting;

/// <summary>Quoting for CSV that Ductus writes (RFC 4180), so a reader gets back the exact text.</summary>
public static class Csv
{
    /// <summary>A value as one field: quoted, with quotes doubled, only when it holds a comma, a quote or a line break; null as empty.</summary>
    public static string Field(string? value) =>
        string.IsNullOrEmpty(value) || value.AsSpan().IndexOfAny(",\"\r\n") < 0
            ? value ?? string.Empty
            : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
