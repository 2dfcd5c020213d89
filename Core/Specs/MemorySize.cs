using System.Globalization;
using System.Text.RegularExpressions;

namespace Ductus.Core.Specs;

/// <summary>
/// A DuckDB memory limit as people write it (<c>512MB</c>, <c>1.5GB</c>, <c>2GiB</c>): checked here
/// once for specs and for every service's configuration, so a typo is refused when it is written,
/// not when DuckDB first reads it in the middle of a run.
/// </summary>
public static partial class MemorySize
{
    /// <summary>
    /// Below this a run cannot write its Parquet: measured, a single-threaded run of eight rows
    /// fails at 64MB with "could not allocate block of size 30.5 MiB" and succeeds at 128MB.
    /// </summary>
    public const long MinimumBytes = 128_000_000;

    public const string Expected = "a size such as 512MB, 1.5GB or 2GiB (KB, MB, GB, TB or KiB, MiB, GiB, TiB), at least 128MB";

    /// <summary>The size in bytes, or null when <paramref name="text"/> is not one this accepts.</summary>
    public static long? Bytes(string? text)
    {
        if (text is null || SizePattern().Match(text) is not { Success: true } match)
        {
            return null;
        }

        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["u"].Value.ToUpperInvariant();
        var scale = unit switch
        {
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1024d,
            "MIB" => 1024d * 1024,
            "GIB" => 1024d * 1024 * 1024,
            _ => 1024d * 1024 * 1024 * 1024,
        };
        var bytes = number * scale;
        return bytes is >= MinimumBytes and <= (double)(1L << 50) ? (long)bytes : null;
    }

    /// <summary>Null when <paramref name="text"/> is a valid limit, else why not.</summary>
    public static string? Problem(string? text) => Bytes(text) is null ? $"'{text}' is not {Expected}" : null;

    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>[KMGT]i?B)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
