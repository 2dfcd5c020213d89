using System.Globalization;

namespace Ductus.Bench;

/// <summary>
/// Peak resident memory of the stack's service processes, read from <c>/proc</c> (VmHWM, which
/// counts DuckDB's native memory the managed heap would hide). The peak is reset before each
/// measured step (<c>clear_refs</c> 5), so a figure is that step's peak, not the process's life's.
/// </summary>
internal static class ServiceMemory
{
    public static readonly string[] Services = ["pipelines", "analytics", "api"];

    /// <summary>The process of a service started by the AppHost: its apphost executable or its dll as the first argument.</summary>
    public static int? Find(string service)
    {
        var project = service switch { "pipelines" => "Pipelines", "analytics" => "Analytics", "api" => "Api", _ => service };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (argv.Take(2).Any(a => a.EndsWith($"/{project}", StringComparison.Ordinal) || a.EndsWith($"/{project}.dll", StringComparison.Ordinal)))
            {
                return pid;
            }
        }

        return null;
    }

    public static void ResetPeaks()
    {
        foreach (var service in Services)
        {
            if (Find(service) is { } pid)
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
        }
    }

    /// <summary>Each service's peak resident MB since the last reset; -1 for a service not found.</summary>
    public static Dictionary<string, long> Peaks() => Services.ToDictionary(s => s, s => Find(s) is { } pid ? PeakMegabytes(pid) : -1);

    private static long PeakMegabytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return -1;
    }
}
