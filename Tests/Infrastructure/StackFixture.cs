using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// The whole Ductus stack, started once for the test run exactly as <c>dotnet run --project
/// AppHost</c> starts it (same AppHost, same resource wiring), but with its data in a throwaway
/// folder and secrets given on the command line so nothing is written to user secrets.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    // A ceiling, not a wait: on a machine shared with other builds a start took over 5 minutes.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    private Lazy<Task<ConnectionMultiplexer>>? _redis;

    private ServiceCoverage? _coverage;

    public string DataDirectory { get; } = Path.Combine("/var/tmp/ductus-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The stack's watched pipelines folder (empty at start; tests drop specs in it).</summary>
    public string PipelinesFolder => Path.Combine(DataDirectory, "pipelines");

    /// <summary>The stack's source root for local files.</summary>
    public string SourceRoot => Path.Combine(DataDirectory, "data");

    public string LakeRoot => Path.Combine(DataDirectory, "lake");

    /// <summary>A workspace other than <c>default</c> that is granted a source root of its own (created by the tests that use it).</summary>
    public const string GrantedWorkspace = "granted";

    /// <summary>The source root granted to <see cref="GrantedWorkspace"/> (<c>Ductus:Grants:Roots:granted</c>).</summary>
    public string GrantedWorkspaceRoot => Path.Combine(DataDirectory, "data-granted");

    public string AdminKey { get; } = "test-admin-" + Guid.NewGuid().ToString("N");

    public string JwtSigningKey { get; } = "test-signing-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>The key the Api signs its calls to the analytics worker with; tests that call the worker directly sign with it too.</summary>
    public string ServiceTokenKey { get; } = "test-service-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>The bearer token each service's <c>/metrics</c> accepts from anywhere.</summary>
    public string MetricsScrapeToken { get; } = "test-scrape-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// The only network allowed to scrape without a token: TEST-NET-1 (RFC 5737), where no test
    /// client is, so the tests' loopback requests must bring the token, and one without it shows
    /// the refusal end to end.
    /// </summary>
    public const string MetricsAllowedNetwork = "192.0.2.0/24";

    public DistributedApplication App { get; private set; } = null!;

    public string DatabaseConnectionString { get; private set; } = null!;

    public string RedisConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(PipelinesFolder);
        Directory.CreateDirectory(SourceRoot);
        Directory.CreateDirectory(GrantedWorkspaceRoot);
        await PrepareAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            $"--Ductus:DataDir={DataDirectory}",
            $"--Ductus:PipelinesFolder={PipelinesFolder}",
            $"--Ductus:SourceRoot={SourceRoot}",
            $"--Ductus:Grants:Roots:{GrantedWorkspace}:0={GrantedWorkspaceRoot}",
            "--Ductus:DemoData=false",
            $"--Parameters:{Resources.AdminKey}={AdminKey}",
            $"--Parameters:{Resources.JwtSigningKey}={JwtSigningKey}",
            $"--Parameters:{Resources.ServiceTokenKey}={ServiceTokenKey}",
            $"--Parameters:{Resources.PostgresPassword}=test-{Guid.NewGuid():N}",
            $"--Parameters:{Resources.MetricsScrapeToken}={MetricsScrapeToken}",
            $"--Ductus:Metrics:AllowedNetworks:0={MetricsAllowedNetwork}",
            .. ExtraArguments.Select(a => $"--{a.Key}={a.Value}"),
        ]);
        await RunServicesInstrumentedAsync(builder);
        Configure(builder);
        App = await builder.BuildAsync();

        using var cts = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(cts.Token);
        await App.ResourceNotifications.WaitForResourceAsync(Resources.Migrator, KnownResourceStates.Finished, cts.Token);
        foreach (var service in new[] { Resources.Api, Resources.Pipelines, Resources.Analytics })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(service, cts.Token);
        }

        DatabaseConnectionString = await App.GetConnectionStringAsync(Resources.Database, cts.Token)
            ?? throw new InvalidOperationException("The stack has no database connection string.");
        RedisConnectionString = await App.GetConnectionStringAsync(Resources.Redis, cts.Token)
            ?? throw new InvalidOperationException("The stack has no redis connection string.");
    }

    /// <summary>When this run is instrumented, each service's <c>dotnet run</c> runs an instrumented copy (<see cref="ServiceCoverage"/>).</summary>
    private async Task RunServicesInstrumentedAsync(IDistributedApplicationTestingBuilder builder)
    {
        _coverage = await ServiceCoverage.ForStackAsync(Path.GetFileName(DataDirectory));
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var name = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
            if (_coverage.OutputFolder(name) is { } folder)
            {
                builder.CreateResourceBuilder(project).WithEnvironment("OutDir", folder + Path.DirectorySeparatorChar);
            }
        }
    }

    public HttpClient CreateApiClient() => App.CreateHttpClient(Resources.Api);

    /// <summary>Runs before the stack starts, once its folders exist (a fixture mounts a small file system as the lake here).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Runs after the stack has stopped, before its folder is deleted.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>Changes to the AppHost's resources before the stack is built (a service's environment …).</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    /// <summary>AppHost settings beside the ones every stack gets.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraArguments { get; } = new Dictionary<string, string>();

    /// <summary>
    /// A catalog store built the way the stack's services build theirs: its commits move the
    /// Redis version tokens, so the services' cached catalog reads see what a test writes.
    /// </summary>
    /// <param name="time">The clock its rows are stamped with; the system clock when null.</param>
    public async Task<CatalogStore> CatalogAsync(NpgsqlDataSource db, TimeProvider? time = null)
    {
        _redis ??= new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(RedisConnectionString));
        return new CatalogStore(db, time ?? TimeProvider.System, new RedisCatalogVersions(await _redis.Value, NullLogger<RedisCatalogVersions>.Instance));
    }

    public async Task DisposeAsync()
    {
        if (_redis is { IsValueCreated: true })
        {
            await (await _redis.Value).DisposeAsync();
        }
        if (App is not null)
        {
            if (_coverage is not null)
            {
                await _coverage.StopServicesAsync(TimeSpan.FromSeconds(30));
            }

            await App.StopAsync();
            await App.DisposeAsync();
        }

        await CleanUpAsync();

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StackDefinition : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
