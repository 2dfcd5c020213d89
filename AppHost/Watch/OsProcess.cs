using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ductus.AppHost.Watch;

/// <summary>The few things the AppHost asks of processes it did not start itself (DCP did) and of ports.</summary>
internal static class OsProcess
{
    /// <summary>
    /// Whether <paramref name="pid"/> is a live process. A zombie (exited, not yet reaped by
    /// its parent) holds no files, locks or ports, so it counts as gone.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (OperatingSystem.IsLinux())
        {
            try
            {
                // /proc/<pid>/stat: "pid (comm) S ..." — the state letter follows the last ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..];
                return !state.StartsWith('Z') && !state.StartsWith('X');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (<c>INT</c>, <c>TERM</c>, <c>KILL</c>) to <paramref name="pid"/>; false when it could not.</summary>
    public static bool Signal(int pid, string signal)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                return true;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                return false;
            }
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (kill is null)
            {
                return false;
            }

            kill.WaitForExit(5_000);
            return kill.HasExited && kill.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="pid"/> is gone; false when it outlived <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(100, ct);
        }

        return true;
    }

    /// <summary>Whether a listener could bind <paramref name="port"/> on the loopback address now.</summary>
    public static bool IsPortFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
