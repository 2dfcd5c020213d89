using System.Globalization;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// The machine's processes as <c>/proc</c> shows them: what tests need to find a service's own
/// process (its parent, its executable) among the launchers around it. A process can end between
/// two reads; each read then answers null rather than throwing.
/// </summary>
public static class LinuxProcesses
{
    /// <summary>Every process id on the machine at the time of the call.</summary>
    public static IEnumerable<int> Ids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0)
            .Where(pid => pid > 0);

    /// <summary>The parent of <paramref name="pid"/>, from <c>/proc/&lt;pid&gt;/stat</c>; null when it is gone.</summary>
    public static int? ParentOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // "pid (command) state ppid …": the command may hold spaces and parentheses, so read after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }

    /// <summary>
    /// Every process whose parent is <paramref name="parent"/>. Not
    /// <c>/proc/&lt;pid&gt;/task/&lt;pid&gt;/children</c>, which lists only the children of that one thread.
    /// </summary>
    public static IEnumerable<int> ChildrenOf(int parent) => Ids().Where(pid => ParentOf(pid) == parent);

    /// <summary>The file <paramref name="pid"/> runs (<c>/proc/&lt;pid&gt;/exe</c>); null when it is gone or not ours to read.</summary>
    public static string? ExecutableOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
