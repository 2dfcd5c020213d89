using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ductus.AppHost.Watch;

/// <summary>
/// A cluster that is still shutting down (the last AppHost stopped moments ago, or another one
/// still runs on the same data folder) holds <c>postmaster.pid</c>, and a new server on that
/// folder exits at once ("lock file already exists"). A stopping cluster lets go within
/// seconds, so the start waits for it, bounded; one that does not let go is named in the
/// server's log, where the watch's report shows it beside the server's own refusal.
/// </summary>
internal static class PostgresDataLock
{
    public const string LockFile = "postmaster.pid";

    /// <summary>The live process holding <paramref name="pgData"/>, if any (a stale file after a crash holds nothing).</summary>
    public static int? Holder(string pgData)
    {
        var path = Path.Combine(pgData, LockFile);
        try
        {
            var firstLine = File.ReadLines(path).FirstOrDefault();
            return int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && OsProcess.IsAlive(pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until nobody holds <paramref name="pgData"/> or <paramref name="wait"/> passes; true when free.</summary>
    public static async Task<bool> WaitUntilFreeAsync(string pgData, TimeSpan wait, ILogger log, CancellationToken ct)
    {
        if (Holder(pgData) is not { } pid)
        {
            return true;
        }

        log.LogWarning(
            "The data folder {Folder} is still locked by PostgreSQL process {Pid} ({LockFile}); waiting up to {Seconds:0} s for it to stop",
            pgData, pid, LockFile, wait.TotalSeconds);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < wait)
        {
            await Task.Delay(250, ct);
            if (Holder(pgData) is null)
            {
                log.LogInformation("The data folder {Folder} was released after {Seconds:0.0} s", pgData, clock.Elapsed.TotalSeconds);
                return true;
            }
        }

        log.LogError(
            "The data folder {Folder} is still locked by process {Pid} after {Seconds:0} s: another PostgreSQL runs on it. " +
            "Stop it (`kill -INT {Pid}`, or stop the other AppHost), then start again",
            pgData, pid, wait.TotalSeconds, pid);
        return false;
    }
}
