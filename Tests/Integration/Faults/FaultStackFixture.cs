using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.AppHost.Watch;
using Ductus.Core;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ductus.Tests.Integration.Faults;

/// <summary>
/// A whole stack of its own for the fault matrix, so the faults it injects (PostgreSQL and Redis
/// stopped, services killed, a full lake) never reach the tests of the shared stack. Its lake is
/// a small tmpfs of its own, which the disk-full test fills.
/// </summary>
public sealed class FaultStackFixture : StackFixture
{
    /// <summary>Size of the lake's file system: room for the small datasets these tests load.</summary>
    public const long LakeBytes = 64L * 1024 * 1024;

    private bool _mounted;

    protected override async Task PrepareAsync()
    {
        Directory.CreateDirectory(LakeRoot);
        var mount = await ExternalProcess.RunAsync(DataDirectory, "mount", ["-t", "tmpfs", "-o", $"size={LakeBytes},mode=0755", "tmpfs", LakeRoot]);
        Assert.True(mount.ExitCode == 0, $"mounting a tmpfs lake needs root (CAP_SYS_ADMIN): {mount}");
        _mounted = true;
    }

    /// <summary>How many small files of a dataset make the Pipelines service compact them: few, so a test reaches it in a few runs.</summary>
    public const int CompactFilesPerTier = 4;

    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>(Resources.Pipelines)
            // The slow sources of the fault tests are test servers on loopback.
            .WithEnvironment("Ductus__Egress__AllowPrivateNetworks", "true")
            .WithEnvironment("Ductus__Pipelines__CompactFilesPerTier", CompactFilesPerTier.ToString(CultureInfo.InvariantCulture));

    protected override async Task CleanUpAsync()
    {
        if (_mounted)
        {
            await ExternalProcess.RunAsync(DataDirectory, "umount", ["-l", LakeRoot]);
        }
    }

    /// <summary>The watch of this stack's AppHost: its crash reports.</summary>
    internal StackWatch Watch => App.Services.GetRequiredService<StackWatch>();

    /// <summary>The OS process of a resource's current run, as the AppHost sees it.</summary>
    public int ProcessOf(string resource)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var e), $"{resource} has no state");
        var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return int.Parse(Convert.ToString(pid, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The service's own process: DCP starts <c>dotnet run --project …</c> (the process the
    /// AppHost knows), which runs the service as its child; a crash of the service is that
    /// child dying.
    /// </summary>
    public int ServiceProcessOf(string resource)
    {
        var root = ProcessOf(resource);
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            var cmdline = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : string.Empty;
            if (pid != root && cmdline.Contains(resource, StringComparison.OrdinalIgnoreCase) && !cmdline.Contains(" run ", StringComparison.Ordinal))
            {
                return pid;
            }

            // By every process's parent: in a CI run (2026-12-07) one thread's children file
            // missed the service, and the kill hit dotnet run while the old service answered on.
            foreach (var child in LinuxProcesses.ChildrenOf(pid))
            {
                pending.Enqueue(child);
            }
        }

        return root;
    }

    /// <summary>Waits until <paramref name="resource"/> runs as a process other than <paramref name="oldPid"/> and is healthy.</summary>
    public async Task<int> WaitForRestartAsync(string resource, int oldPid, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var e = await App.ResourceNotifications.WaitForResourceAsync(resource, e =>
                e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                && e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
                && Convert.ToString(pid, CultureInfo.InvariantCulture) is { } text
                && text != "0" && text != oldPid.ToString(CultureInfo.InvariantCulture), cts.Token);
            return ProcessOf(resource);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{resource} was not running again (healthy, a new process) within {timeout}; crash reports:\n{string.Join("\n", Watch.CrashReports)}");
            throw;
        }
    }

    /// <summary>
    /// The log of <paramref name="resource"/> from its first line holding <paramref name="first"/>
    /// up to the first line after it holding <paramref name="then"/> (the same line may hold both).
    /// Lines logged before the call count too: the AppHost keeps each resource's log.
    /// </summary>
    public async Task<string> LogLinesAsync(string resource, string first, string then, CancellationToken ct)
    {
        var seen = new List<string>();
        // By the resource, not its name: the logs are kept per instance, named by DCP.
        var model = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(model).WithCancellation(ct))
            {
                foreach (var line in batch)
                {
                    if (seen.Count > 0 || line.Content.Contains(first, StringComparison.Ordinal))
                    {
                        seen.Add(line.Content);
                        if (line.Content.Contains(then, StringComparison.Ordinal))
                        {
                            return string.Join("\n", seen);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        Assert.Fail($"{resource} never logged '{first}' followed by '{then}'; from the first on: {string.Join("\n", seen)}");
        return string.Empty;
    }

    /// <summary>Sends a signal as <c>kill</c> does (<c>KILL</c>, <c>ABRT</c> …).</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        var kill = await ExternalProcess.SignalAsync(pid, signal);
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {pid}: {kill}");
    }

    /// <summary>
    /// Aborts a .NET process from outside as <c>abort()</c> does from inside: SIGABRT, and again
    /// once the handler has returned. The runtime's handler takes the first one (it writes the
    /// crash dump and report, then puts the default action back) and the process goes on; the
    /// second ends it, as <c>abort()</c>'s own second raise does.
    /// </summary>
    public static async Task AbortAsync(int pid, TimeSpan timeout)
    {
        await SignalAsync(pid, "ABRT");
        var clock = Clock();
        while (File.Exists($"/proc/{pid}/status") && CatchesAbort(pid))
        {
            Assert.True(clock.Elapsed < timeout, $"process {pid} still handles its SIGABRT after {timeout}");
            await Task.Delay(250);
        }

        if (File.Exists($"/proc/{pid}/status"))
        {
            await SignalAsync(pid, "ABRT");
        }
    }

    /// <summary>Whether the process has a handler for SIGABRT (bit 6 of the caught-signals mask).</summary>
    private static bool CatchesAbort(int pid)
    {
        var caught = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
        return caught is not null && (ulong.Parse(caught["SigCgt:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 5)) != 0;
    }

    /// <summary>Runs the AppHost's start or stop command on a resource, as the dashboard's buttons do.</summary>
    public async Task CommandAsync(string resource, string command)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, command, cts.Token);
        Assert.True(result.Success, $"{command} on {resource} failed: {result.Message}");
    }

    /// <summary>
    /// Returns once PostgreSQL accepts a connection again after a start. Not the resource's health:
    /// right after the start command it can still report the health checked before the stop (seen
    /// in CI: a test connected at once and was refused).
    /// </summary>
    public async Task WaitForPostgresAcceptingAsync(TimeSpan timeout)
    {
        var clock = Clock();
        await using var db = NpgsqlDataSource.Create(DatabaseConnectionString);
        while (true)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync();
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync();
                return;
            }
            catch (NpgsqlException) when (clock.Elapsed < timeout)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// After a PostgreSQL restart, each service's pool still holds connections the restart cut, and
    /// each fails the one request that draws it. Rounds of concurrent catalog reads and queries draw
    /// them all (one at a time would reuse the same good connection), so the next test in this
    /// collection meets a settled stack: returns after two rounds in a row answer 200 throughout.
    /// </summary>
    public static async Task SettleAfterPostgresRestartAsync(HttpClient analyst, TimeSpan timeout)
    {
        var clock = Clock();
        for (var clean = 0; clean < 2;)
        {
            var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                try
                {
                    using var response = i % 2 == 0
                        ? await analyst.GetAsync(new Uri("/api/datasets", UriKind.Relative))
                        : await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = "SELECT 42" });
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            }));
            clean = statuses.All(s => s == HttpStatusCode.OK) ? clean + 1 : 0;
            Assert.True(clock.Elapsed < timeout, $"the stack did not settle after PostgreSQL's restart: {string.Join(", ", statuses)}");
        }
    }

    public static Stopwatch Clock() => Stopwatch.StartNew();
}

[CollectionDefinition(Name)]
public sealed class FaultStackDefinition : ICollectionFixture<FaultStackFixture>
{
    public const string Name = "fault-stack";
}
