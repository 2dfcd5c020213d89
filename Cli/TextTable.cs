using System.Text;

namespace Ductus.Cli;

/// <summary>Rows as aligned columns for a terminal; a cell longer than the cap is cut with an ellipsis.</summary>
internal static class TextTable
{
    private const int MaxCell = 60;

    public static string Format(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var cells = rows.Select(r => r.Select(Clip).ToArray()).ToList();
        var widths = headers.Select((h, i) => cells.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in cells.Prepend([.. headers]))
        {
            text.AppendJoin("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).AppendLine();
        }

        return text.ToString();
    }

    private static string Clip(string cell)
    {
        var line = cell.ReplaceLineEndings(" ");
        return line.Length <= MaxCell ? line : line[..(MaxCell - 1)] + "…";
    }
}
