using System.Globalization;
using System.Text.Json;

namespace Ductus.Bench;

/// <summary>One timed step, printed as one JSON line so run.sh can compare steps run in separate processes.</summary>
internal sealed record Measurement(string Mode, long Rows, double Seconds, long PeakMegabytes, long Good = 0, long Bad = 0)
{
    public double RowsPerSecond => Rows / Seconds;

    public void Print() => Console.WriteLine(JsonSerializer.Serialize(new
    {
        mode = Mode,
        rows = Rows,
        good = Good,
        bad = Bad,
        seconds = Math.Round(Seconds, 3),
        rows_per_s = Math.Round(RowsPerSecond),
        peak_mb = PeakMegabytes,
    }));

    /// <summary>
    /// Peak resident set of this process (VmHWM), which includes DuckDB's native memory —
    /// the managed heap alone would hide most of it.
    /// </summary>
    public static long PeakResidentMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024;
            }
        }

        return -1;
    }
}
