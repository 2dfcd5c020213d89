using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Ductus.AppHost.Watch;
using Ductus.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Ductus.AppHost.Infrastructure;

/// <summary>The database and cache resources, whichever way they run.</summary>
/// <param name="Database">The <c>ductus</c> database connection the services reference.</param>
/// <param name="DatabaseServer">What to wait for before the schema can be migrated; none for external services.</param>
/// <param name="Redis">The cache.</param>
/// <param name="DataDirectory">Where this machine keeps the stack's data; none when publishing, which describes another machine.</param>
public sealed record DuctusInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResource>? DatabaseServer,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    string? DataDirectory);

public static class DuctusInfrastructureExtensions
{
    /// <summary>
    /// Adds PostgreSQL (database <c>ductus</c>) and Redis as containers when a container engine
    /// answers, else from the local binaries, or takes them as connection strings of external
    /// (managed) services. Services see the same resource names and connection-string shapes
    /// every way.
    /// </summary>
    public static DuctusInfrastructure AddDuctusInfrastructure(this IDistributedApplicationBuilder builder, InfrastructurePlan plan)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(plan);

        var dataDir = builder.ExecutionContext.IsRunMode ? DataDirectory(builder) : null;
        if (plan.Mode == InfrastructureMode.External)
        {
            // Secret parameters named like the connections (ConnectionStrings:ductus, :redis):
            // a deployment tool asks for them, a running AppHost reads them from configuration.
            return new DuctusInfrastructure(
                InfrastructureMode.External,
                builder.AddConnectionString(Resources.Database),
                null,
                builder.AddConnectionString(Resources.Redis),
                dataDir);
        }

        var password = builder.AddParameter(
            Resources.PostgresPassword,
            new GenerateParameterDefault { MinLength = 24, Special = false },
            secret: true,
            persist: true);

        if (plan.Mode == InfrastructureMode.Containers)
        {
            var server = builder.AddPostgres(Resources.Postgres, password: password)
                .WithDataVolume("ductus-postgres-data");
            var database = server.AddDatabase(Resources.Database);
            var redis = builder.AddRedis(Resources.Redis).WithDataVolume("ductus-redis-data");
            return new DuctusInfrastructure(
                InfrastructureMode.Containers,
                database.AsConnectionString(builder),
                builder.CreateResourceBuilder<IResource>(database.Resource),
                redis.AsConnectionString(builder),
                dataDir);
        }

        return AddLocal(builder, plan, dataDir ?? throw new InvalidOperationException("Local binaries run only on this machine, never in a published manifest."), password);
    }

    /// <summary>References the database and the cache, and waits for the cache where it is run here.</summary>
    public static IResourceBuilder<ProjectResource> WithDatabaseAndCache(this IResourceBuilder<ProjectResource> service, DuctusInfrastructure infra)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(infra);
        service.WithReference(infra.Database).WithReference(infra.Redis);
        // External services are up before the stack starts; there is nothing of theirs here to wait for.
        return infra.Mode == InfrastructureMode.External ? service : service.WaitFor(infra.Redis);
    }

    /// <summary>Waits for the database server where it is run here.</summary>
    public static IResourceBuilder<ProjectResource> WaitForDatabaseServer(this IResourceBuilder<ProjectResource> service, DuctusInfrastructure infra)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(infra);
        return infra.DatabaseServer is { } server ? service.WaitFor(server) : service;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> resource, IDistributedApplicationBuilder builder)
        where T : IResourceWithConnectionString => builder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);

    private static DuctusInfrastructure AddLocal(IDistributedApplicationBuilder builder, InfrastructurePlan plan, string dataDir, IResourceBuilder<ParameterResource> password)
    {
        var binaries = MachineProbe.FindLocalBinaries(Environment.GetEnvironmentVariable("PATH"))
            ?? throw new InvalidOperationException(plan.Error ?? InfrastructurePlan.InstallHint);

        var asRoot = Environment.UserName == "root";
        var pgData = PostgresDataDirectory(dataDir, asRoot);

        if (builder.ExecutionContext.IsRunMode)
        {
            LocalPostgresCluster.EnsureInitialized(binaries, pgData, asRoot, password.Resource);
        }

        // PostgreSQL refuses to run as root; the OS user of the package runs it instead.
        var (pgCommand, pgPrefix) = asRoot
            ? ("setpriv", new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", binaries.Postgres })
            : (binaries.Postgres, Array.Empty<string>());

        var postgres = builder.AddResource(new LocalPostgresResource(Resources.Postgres, pgCommand, dataDir, password.Resource))
            .WithArgs([.. pgPrefix,
                "-D", pgData,
                "-c", "listen_addresses=127.0.0.1",
                // No Unix socket: the default socket folder may not exist or be writable here.
                "-c", "unix_socket_directories=",
                // Api, pipelines, analytics, migrator and tests each keep a pool.
                "-c", "max_connections=300"])
            // glibc hands a backend's freed heap back to the kernel after every statement whose
            // memory passed the trim threshold, and the next statement faults it in again; each
            // hand-back shoots down the TLBs of every core. Under the ingest benchmark (a COPY of
            // 1,000 records builds 1,000 tuple slots) that cycle was 18% of the machine's CPU
            // (perf). Keeping up to 32 MiB per backend, and serving blocks below 16 MiB from the
            // heap rather than fresh mappings, ends it.
            .WithEnvironment("MALLOC_TRIM_THRESHOLD_", "33554432")
            .WithEnvironment("MALLOC_MMAP_THRESHOLD_", "16777216")
            // Not proxied: every query, push and drain would otherwise pass through DCP's TCP
            // proxy, which took about 5% of the machine's CPU under the ingest benchmark.
            .WithEndpoint(name: LocalPostgresResource.EndpointName, scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithHealthCheck(PostgresHealthCheck)
            .WaitingForDataFolder(pgData)
            .ExcludeFromManifest();

        builder.Services.AddHealthChecks().AddAsyncCheck(PostgresHealthCheck, async ct =>
        {
            var connectionString = await postgres.Resource.ConnectionStringExpression.GetValueAsync(ct);
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                return HealthCheckResult.Healthy();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                return HealthCheckResult.Unhealthy(
                    $"The local cluster in {pgData} was initialised with another {Resources.PostgresPassword}. " +
                    $"Set Parameters:{Resources.PostgresPassword} to the original value, or delete {pgData} to start afresh.", e);
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
            {
                // Expected while the server starts: the message is enough, a stack trace is noise.
                return HealthCheckResult.Unhealthy(e.Message);
            }
        });

        var database = builder.AddConnectionString(
                Resources.Database,
                ReferenceExpression.Create($"{postgres.Resource};Database={Resources.Database}"))
            .WithHealthCheck(PostgresHealthCheck);

        var redisDir = Path.Combine(dataDir, "redis");
        Directory.CreateDirectory(redisDir);
        var redis = builder.AddResource(new LocalRedisResource(Resources.Redis, binaries.RedisServer, redisDir))
            .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithHealthCheck(RedisHealthCheck)
            .ExcludeFromManifest();
        var redisEndpoint = redis.Resource.PrimaryEndpoint;
        redis.WithArgs(context =>
        {
            context.Args.Add("--port");
            context.Args.Add(redisEndpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--bind");
            context.Args.Add("127.0.0.1");
            // Redis holds only derived data (cache, rate limits, notifications): snapshots to its
            // own folder are enough, the append-only log is not needed.
            context.Args.Add("--dir");
            context.Args.Add(redisDir);
            context.Args.Add("--appendonly");
            context.Args.Add("no");
        });

        builder.Services.AddHealthChecks().AddAsyncCheck(RedisHealthCheck, async ct =>
        {
            var address = await redis.Resource.ConnectionStringExpression.GetValueAsync(ct) ?? string.Empty;
            return await PingRedisAsync(address, ct);
        });

        return new DuctusInfrastructure(
            InfrastructureMode.Local,
            builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource),
            builder.CreateResourceBuilder<IResource>(postgres.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(redis.Resource),
            dataDir);
    }

    private const string PostgresHealthCheck = "postgres-local";
    private const string RedisHealthCheck = "redis-local";

    internal static async Task<HealthCheckResult> PingRedisAsync(string address, CancellationToken ct)
    {
        var separator = address.LastIndexOf(':');
        if (separator < 0 || !int.TryParse(address.AsSpan(separator + 1), out var port))
        {
            return HealthCheckResult.Unhealthy($"Redis address '{address}' has no port.");
        }

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(address[..separator], port, ct);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, ct);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Redis answered '{answer.Trim()}' to PING.");
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }

    /// <summary>
    /// <c>Ductus:DataDir</c>, by default <c>.ductus/</c> at the repository root (beside the
    /// AppHost folder), so a clone keeps its data to itself and <c>git clean</c> resets it.
    /// </summary>
    private static string DataDirectory(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Ductus:DataDir"];
        var dir = string.IsNullOrWhiteSpace(configured)
            ? Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".ductus"))
            : Path.GetFullPath(configured, builder.AppHostDirectory);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// As root the server runs as the <c>postgres</c> user, which must be able to walk every
    /// folder above its cluster. A clone under <c>/root</c> or a <c>mktemp -d</c> folder (mode
    /// 0700) is not walkable, so such a cluster lives under <c>/var/lib/ductus</c> instead,
    /// in a folder named after the data folder so two clones never share one.
    /// </summary>
    internal static string PostgresDataDirectory(string dataDir, bool asRoot)
    {
        var preferred = Path.Combine(dataDir, "pgdata");
        if (!asRoot || OthersCanTraverse(dataDir))
        {
            return preferred;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..12];
        var fallback = Path.Combine("/var/lib/ductus", hash, "pgdata");
        Console.WriteLine($"Ductus: the postgres user cannot reach {dataDir}; the local PostgreSQL cluster lives in {fallback}.");
        return fallback;
    }

    internal static bool OthersCanTraverse(string path)
    {
        for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && (dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
