using System.Globalization;

namespace Ductus.Bench;

/// <summary>
/// CPU time the machine's processes spent between two snapshots, read from <c>/proc/*/stat</c>
/// and grouped by what they are (PostgreSQL, each service, this bench, Aspire's own processes):
/// on 2 shared cores a throughput ratio is a CPU budget, and this shows who spent it.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>Linux reports utime and stime in USER_HZ, 100 a second on every x86-64 and arm64 kernel.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Per process id: its group and the CPU ticks it has used so far.</summary>
    public sealed record Snapshot(IReadOnlyDictionary<int, (string Group, long Ticks)> Processes);

    public static Snapshot Take()
    {
        var services = ServiceMemory.Services
            .Select(s => (Service: s, Pid: ServiceMemory.Find(s)))
            .Where(s => s.Pid is not null)
            .ToDictionary(s => s.Pid!.Value, s => s.Service);
        var processes = new Dictionary<int, (string, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }

            // The name is in parentheses and may hold spaces; the fields after it are fixed.
            var close = stat.LastIndexOf(')');
            var name = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            processes[pid] = (Group(pid, name, services), ticks);
        }

        return new Snapshot(processes);
    }

    /// <summary>
    /// CPU seconds per group from <paramref name="start"/> to <paramref name="end"/>. A process
    /// started in between counts from zero; one that ended in between is lost, so take the end
    /// snapshot before closing the connections whose PostgreSQL backends did the work.
    /// </summary>
    public static Dictionary<string, double> Spent(Snapshot start, Snapshot end)
    {
        var spent = new Dictionary<string, double>();
        foreach (var (pid, (group, ticks)) in end.Processes)
        {
            var before = start.Processes.TryGetValue(pid, out var s) ? s.Ticks : 0;
            spent[group] = spent.GetValueOrDefault(group) + ((ticks - before) / TicksPerSecond);
        }

        return spent;
    }

    /// <summary>"8.27 us (postgres 4.00, pipelines 1.77, …)": CPU microseconds per record, busiest first.</summary>
    public static string PerRecord(Dictionary<string, double> spent, long records) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{spent.Values.Sum() * 1e6 / records:0.00} us ({string.Join(", ", spent.Where(g => g.Value > 0).OrderByDescending(g => g.Value).Select(g => $"{g.Key} {g.Value * 1e6 / records:0.00}"))})");

    private static string Group(int pid, string name, Dictionary<int, string> services) =>
        services.TryGetValue(pid, out var service) ? service
        : pid == Environment.ProcessId ? "bench"
        : name switch
        {
            "postgres" => "postgres",
            "redis-server" => "redis",
            "dcp" or "AppHost" or "dotnet" or "Aspire.Dashboar" => "aspire",
            _ => "other",
        };
}
