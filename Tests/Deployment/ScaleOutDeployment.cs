using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Deployment;

/// <summary>
/// Ductus deployed on this machine the way a container platform runs it: the published services
/// as separate processes, two replicas each of api, analytics and pipelines, started after the
/// migrator ran once to completion; one PostgreSQL and one Redis (the stack fixture's servers, with
/// a database and a Redis database of this deployment's own) and one lake folder that stands in
/// for the shared volume. Every setting reaches a service as an environment variable.
/// Published once per test run (a class fixture: only the scale-out tests use it, and a
/// collection fixture on the shared "stack" collection would publish for every stack test).
/// </summary>
public sealed class ScaleOutDeployment : IAsyncLifetime
{
    public const int Replicas = 2;

    /// <summary>Requests per minute of a key without a limit of its own, lowered from 600 so the test can spend it.</summary>
    public const int PermitLimit = 20;

    // The stack's own services use Redis database 0 with the same default workspace id and the
    // same "admin" client: in a database of its own this deployment shares no cache entry and
    // no rate-limit count with them, as a second installation on one managed Redis would not.
    private const int RedisDatabase = 1;

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    private static readonly string[] Services = [Resources.Api, Resources.Analytics, Resources.Pipelines];

    private readonly ConcurrentDictionary<string, ServiceProcess> _running = new();
    private readonly Dictionary<string, int> _ports = [];
    private PublishedServices? _published;
    private NpgsqlDataSource? _app;
    private ScratchDatabase? _database;
    private string? _token;

    public string Root { get; } = Path.Combine("/var/tmp/ductus-tests", "scaleout-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>The shared volume: both pipelines replicas write here, both analytics replicas read.</summary>
    public string Lake => Path.Combine(Root, "lake");

    public string PipelinesFolder => Path.Combine(Root, "pipelines");

    public string Sources => Path.Combine(Root, "sources");

    public string AdminKey { get; } = "scaleout-admin-" + Guid.NewGuid().ToString("N");

    public string SigningKey { get; } = "scaleout-signing-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>Signs the Api's calls to the analytics replicas (the AppHost's <c>service-token-key</c>).</summary>
    public string ServiceTokenKey { get; } = "scaleout-service-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    public ScratchDatabase Database => _database ?? throw new InvalidOperationException("Not deployed yet.");

    /// <summary>The catalog as the services read it (<c>ductus_app</c>): for what the Api does not show, such as a run's node.</summary>
    public CatalogStore Catalog { get; private set; } = null!;

    public string RedisConnectionString { get; private set; } = null!;

    public TimeSpan PublishTook => _published?.Took ?? TimeSpan.Zero;

    public TimeSpan MigrationTook { get; private set; }

    /// <summary>From starting the six replicas together to all of them answering <c>/health</c>.</summary>
    public TimeSpan StartTook { get; private set; }

    public ServiceProcess Api(int replica) => Replica(Resources.Api, replica);

    public ServiceProcess Analytics(int replica) => Replica(Resources.Analytics, replica);

    public ServiceProcess Pipelines(int replica) => Replica(Resources.Pipelines, replica);

    public IEnumerable<ServiceProcess> PipelinesReplicas => Enumerable.Range(1, Replicas).Select(Pipelines);

    /// <summary>Every replica's console output, for failure messages.</summary>
    public string Logs => string.Join("\n", _running.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => $"---- {r.Name} ----\n{r.Log}"));

    public async Task InitializeAsync() => _published = await PublishedServices.PublishAsync(Path.Combine(Root, "publish"));

    /// <summary>
    /// Deploys on the stack's servers the first time; afterwards restarts any replica a test
    /// killed, on its old port (as a platform replaces a dead container behind the same address).
    /// </summary>
    public async Task EnsureRunningAsync(StackFixture stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        // xunit runs the tests of one class one after another: no two callers at once.
        if (_database is null)
        {
            await DeployAsync(stack);
        }

        foreach (var name in _running.Where(r => r.Value.HasExited).Select(r => r.Key).ToList())
        {
            await _running[name].DisposeAsync();
            _running.TryRemove(name, out _);
            await StartReplicaAsync(name);
        }
    }

    /// <summary>A token of an engineer key with a limit of its own far above <see cref="PermitLimit"/>, for the tests' traffic.</summary>
    public async Task<string> TokenAsync()
    {
        if (_token is null)
        {
            using var api = Client(Api(1));
            using var admin = Client(Api(1), await api.GetTokenAsync(ClientCredentials.BootstrapAdminClientId, AdminKey));
            var key = await admin.CreateKeyAsync([Roles.Engineer], rateLimit: 1_000_000, name: "scale-out traffic");
            _token = await api.GetTokenAsync(key.ClientId, key.ClientSecret);
        }

        return _token;
    }

    /// <summary>An HTTP client for one Api replica, with a bearer token when given.</summary>
    public static HttpClient Client(ServiceProcess api, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        var client = new HttpClient { BaseAddress = api.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _running.Values)
        {
            await replica.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_published is not null)
        {
            await _published.DisposeAsync();
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private ServiceProcess Replica(string service, int replica) =>
        _running.TryGetValue($"{service}-{replica}", out var process)
            ? process
            : throw new InvalidOperationException($"{service}-{replica} is not running.");

    private async Task DeployAsync(StackFixture stack)
    {
        foreach (var folder in new[] { Lake, PipelinesFolder, Sources })
        {
            Directory.CreateDirectory(folder);
        }

        // An empty database on the one PostgreSQL server, as a managed PostgreSQL hands it over.
        _database = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        RedisConnectionString = $"{stack.RedisConnectionString},defaultDatabase={RedisDatabase}";
        var replicas = Services.SelectMany(s => Enumerable.Range(1, Replicas).Select(i => $"{s}-{i}")).ToList();
        foreach (var replica in replicas)
        {
            _ports[replica] = TestHttpServer.FreePort();
        }

        // The run-once step everything waits for (compose: service_completed_successfully).
        var clock = Stopwatch.StartNew();
        await ServiceProcess.RunToExitAsync(Resources.Migrator, [_published!.Assembly("Migrator")], EnvironmentOf(Resources.Migrator, Resources.Migrator), StepTimeout);
        MigrationTook = clock.Elapsed;

        clock.Restart();
        await Task.WhenAll(replicas.Select(StartReplicaAsync));
        StartTook = clock.Elapsed;

        _app = NpgsqlDataSource.Create(CatalogRole.Adopt(Database.ConnectionString));
        Catalog = new CatalogStore(_app, TimeProvider.System);
    }

    private async Task StartReplicaAsync(string replica)
    {
        var service = replica[..replica.LastIndexOf('-')];
        var project = Project(service);
        var process = await ServiceProcess.StartAsync(replica, _published!.Assembly(project), EnvironmentOf(service, replica), _ports[replica], StepTimeout);
        _running[replica] = process;
    }

    private static string Project(string service) =>
        PublishedServices.Projects.Single(p => string.Equals(p, service, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// What the platform sets, per service: one row per variable, as a compose file's
    /// <c>environment:</c> or a Deployment's <c>env:</c> lists them. A secret shared by the api
    /// and the analytics worker is one more row naming both.
    /// </summary>
    private List<(string[] Services, string Name, string Value)> Settings()
    {
        var settings = new List<(string[] Services, string Name, string Value)>
        {
            ([Resources.Migrator, .. Services], $"ConnectionStrings__{Resources.Database}", Database.ConnectionString),
            (Services, $"ConnectionStrings__{Resources.Redis}", RedisConnectionString),
            ([Resources.Api], "Ductus__Auth__AdminKey", AdminKey),
            ([Resources.Api], "Ductus__Auth__SigningKey", SigningKey),
            ([Resources.Api, Resources.Analytics], "Ductus__ServiceToken__SigningKey", ServiceTokenKey),
            ([Resources.Analytics, Resources.Pipelines], "Ductus__Lake__Root", Lake),
            ([Resources.Pipelines], "Ductus__Pipelines__Folder", PipelinesFolder),
            ([Resources.Api, Resources.Pipelines], "Ductus__Sources__Roots__0", Sources),
            // For this test only: a budget small enough to spend, and sources served on loopback.
            ([Resources.Api], "Ductus__RateLimit__PermitLimit", PermitLimit.ToString(CultureInfo.InvariantCulture)),
            ([Resources.Pipelines], "Ductus__Egress__AllowPrivateNetworks", "true"),
        };
        // Both analytics replicas listed for every api replica: service discovery takes them in
        // turn and the Api skips one that refuses connections (Api/Clients/AnalyticsClient.cs).
        for (var i = 1; i <= Replicas; i++)
        {
            settings.Add(([Resources.Api], $"services__{Resources.Analytics}__http__{i - 1}", $"http://127.0.0.1:{_ports[$"{Resources.Analytics}-{i}"]}"));
        }

        return settings;
    }

    private Dictionary<string, string> EnvironmentOf(string service, string replica)
    {
        var environment = Settings().Where(s => s.Services.Contains(service)).ToDictionary(s => s.Name, s => s.Value);
        // Each replica's own writable home, as a container has, so nothing lands in the test machine's.
        var home = Path.Combine(Root, "home", replica);
        Directory.CreateDirectory(home);
        environment["HOME"] = home;
        return environment;
    }
}
