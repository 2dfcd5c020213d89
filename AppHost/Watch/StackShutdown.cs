using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Ductus.AppHost.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Ductus.AppHost.Watch;

/// <summary>
/// The last step of stopping: DCP is told to stop every process, but does not wait for them;
/// PostgreSQL in particular takes seconds to stop after a SIGTERM ("smart" shutdown waits for
/// its clients). A start right after then finds the old cluster still holding its data folder
/// and fails. So this waits, bounded, until every process the stack started has exited and
/// every port it listened on is free, asking PostgreSQL for a fast shutdown (SIGINT: clients
/// are disconnected, the data is checkpointed) and killing what outlives the bound.
/// </summary>
internal sealed class StackShutdown(TimeSpan timeout, ILogger logger)
{
    /// <summary>What DCP gets to stop on its own before the AppHost signals a process itself.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>Takes no cancellation: bounded by the timeout instead, since returning early is exactly what this prevents.</summary>
    public async Task WaitAsync(IReadOnlyList<WatchedResource> started)
    {
        var clock = Stopwatch.StartNew();
        var waits = started
            .Where(w => w.Pid is { } pid && OsProcess.IsAlive(pid))
            .Select(w => StopAsync(w.Name, w.Pid!.Value, w.Resource is LocalPostgresResource))
            .ToList();
        await Task.WhenAll(waits);

        // Only ports the stack's own processes listen on: a proxied port belongs to DCP, which
        // lets go of it when it exits, after the AppHost.
        var ports = started
            .SelectMany(w => w.Resource.Annotations.OfType<EndpointAnnotation>())
            .Where(e => !e.IsProxied)
            .Select(e => e.AllocatedEndpoint?.Port)
            .OfType<int>()
            .Distinct()
            .ToList();
        var portDeadline = Stopwatch.StartNew();
        var busy = ports;
        while ((busy = [.. busy.Where(p => !OsProcess.IsPortFree(p))]).Count > 0 && portDeadline.Elapsed < timeout)
        {
            await Task.Delay(200, CancellationToken.None);
        }

        if (busy.Count > 0)
        {
            logger.LogWarning("Ports still in use {Seconds:0} s after stopping: {Ports}", timeout.TotalSeconds, string.Join(", ", busy));
        }

        logger.LogInformation("Everything the stack started has stopped ({Seconds:0.0} s)", clock.Elapsed.TotalSeconds);
    }

    private async Task StopAsync(string name, int pid, bool isPostgres)
    {
        if (isPostgres)
        {
            // Fast shutdown now rather than waiting for DCP's SIGTERM (smart: waits for clients).
            OsProcess.Signal(pid, "INT");
        }
        else if (await OsProcess.WaitForExitAsync(pid, Grace))
        {
            return;
        }
        else
        {
            OsProcess.Signal(pid, "TERM");
        }

        if (await OsProcess.WaitForExitAsync(pid, timeout))
        {
            return;
        }

        logger.LogWarning("{Resource} (process {Pid}) did not stop within {Seconds:0} s; killing it", name, pid, timeout.TotalSeconds);
        OsProcess.Signal(pid, "KILL");
        if (!await OsProcess.WaitForExitAsync(pid, TimeSpan.FromSeconds(5)))
        {
            logger.LogError("{Resource} (process {Pid}) is still running after SIGKILL", name, pid);
        }
    }
}
