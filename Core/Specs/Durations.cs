using System.Globalization;
using System.Text.RegularExpressions;

namespace Ductus.Core.Specs;

/// <summary>Durations as specs write them: <c>500ms</c>, <c>30s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or combined (<c>1h30m</c>).</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || !Whole().IsMatch(text.Trim()))
        {
            return false;
        }

        foreach (Match part in Part().Matches(text.Trim()))
        {
            var n = long.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            var unit = part.Groups[2].Value;
            try
            {
                value += unit switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The shortest spec spelling of a duration (<c>90s</c> → <c>1m30s</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new System.Text.StringBuilder();
        void Add(long n, string unit)
        {
            if (n > 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }

        Add(value.Days, "d");
        Add(value.Hours, "h");
        Add(value.Minutes, "m");
        Add(value.Seconds, "s");
        Add(value.Milliseconds, "ms");
        return sb.ToString();
    }

    [GeneratedRegex(@"^(\d{1,9}(ms|s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d{1,9})(ms|s|m|h|d)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
