using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.Core;

namespace Ductus.Tests.Integration.Faults;

/// <summary>
/// Stopping the AppHost returns only once everything it started has stopped, so a start right
/// after (same data folder, same cluster) always comes up: the restart that used to hang.
/// </summary>
public sealed class StopStartTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    private readonly string _folder = Path.Combine("/var/tmp/ductus-tests", "restart-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task Five_back_to_back_stops_and_starts_each_come_up_healthy_and_leave_nothing_running()
    {
        var password = $"restart-{Guid.NewGuid():N}";
        for (var cycle = 1; cycle <= 5; cycle++)
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"--Ductus:DataDir={_folder}",
                "--Ductus:DemoData=false",
                $"--Parameters:{Resources.AdminKey}=restart-{Guid.NewGuid():N}",
                $"--Parameters:{Resources.JwtSigningKey}=restart-{Guid.NewGuid():N}{Guid.NewGuid():N}",
                $"--Parameters:{Resources.ServiceTokenKey}=restart-{Guid.NewGuid():N}{Guid.NewGuid():N}",
                $"--Parameters:{Resources.PostgresPassword}={password}",
                $"--Parameters:{Resources.MetricsScrapeToken}=restart-{Guid.NewGuid():N}",
            ]);
            var app = await builder.BuildAsync();
            int[] infrastructure;
            try
            {
                using var cts = new CancellationTokenSource(StartTimeout);
                await app.StartAsync(cts.Token);
                foreach (var service in new[] { Resources.Api, Resources.Pipelines, Resources.Analytics })
                {
                    await app.ResourceNotifications.WaitForResourceHealthyAsync(service, cts.Token);
                }

                using var api = app.CreateHttpClient(Resources.Api);
                Assert.Equal("Healthy", await api.GetStringAsync(new Uri("/health", UriKind.Relative), cts.Token));
                infrastructure = [Pid(app, Resources.Postgres), Pid(app, Resources.Redis)];
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            // No grace period: the stop returned, so the cluster and the cache must be gone now.
            var alive = infrastructure.Where(pid => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal)).ToList();
            Assert.True(alive.Count == 0, $"cycle {cycle}: still running after the stop returned: {string.Join(", ", alive)}");
            // The cluster shut down cleanly (fast shutdown removes its lock file), not killed.
            Assert.False(File.Exists(Path.Combine(_folder, "pgdata", "postmaster.pid")), $"cycle {cycle}: the cluster's lock file is still there");
        }
    }

    private static int Pid(DistributedApplication app, string resource)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resource, out var e), $"{resource} has no state");
        var value = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return int.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
