using System.Globalization;
using Ductus.Core;
using Ductus.Core.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ductus.Migrator;

/// <summary>
/// The schema step of the AppHost: brings the database to the newest schema and exits.
/// <c>down &lt;version&gt;</c> reverts to a version, for operators rolling back a release.
/// <c>wait [seconds]</c> only waits until the schema this build needs is in place (default 600 s),
/// the init step of a deployment's services (deploy/kubernetes); it exits 1 when time runs out.
/// </summary>
internal static class MigrationCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, IConfiguration configuration, string[] args)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ductus.Migrator");
        var connectionString = configuration.GetConnectionString(Resources.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{Resources.Database} is not set.");
        try
        {
            var migrator = new SchemaMigrator(services.GetRequiredService<NpgsqlDataSource>());
            if (args.Length >= 1 && args[0] == "wait")
            {
                return await WaitAsync(migrator, args, logger);
            }

            await DatabaseBootstrap.EnsureDatabaseExistsAsync(connectionString);
            if (args.Length >= 1 && args[0] == "down")
            {
                foreach (var m in await migrator.DownAsync(Number(args, 0)))
                {
                    logger.LogInformation("Reverted migration {Version} {Name}", m.Version, m.Name);
                }
            }
            else
            {
                var applied = await migrator.UpAsync();
                foreach (var m in applied)
                {
                    logger.LogInformation("Applied migration {Version} {Name}", m.Version, m.Name);
                }

                logger.LogInformation("Schema is at version {Version} ({Count} applied now)", await migrator.CurrentVersionAsync(), applied.Count);
            }

            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            logger.LogCritical(e, "Migration failed: {Message}", e.Message);
            return 1;
        }
    }

    private static async Task<int> WaitAsync(SchemaMigrator migrator, string[] args, ILogger logger)
    {
        var limit = TimeSpan.FromSeconds(Number(args, 600));
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            var version = await migrator.WaitForLatestAsync(
                TimeSpan.FromSeconds(2),
                current => logger.LogInformation("Schema is at version {Current}; waiting for {Latest}", current, migrator.LatestVersion),
                timeout.Token);
            logger.LogInformation("Schema is at version {Version}", version);
            return 0;
        }
        catch (OperationCanceledException)
        {
            logger.LogCritical(
                "The schema did not reach version {Latest} within {Limit}: has the migration step run (Job ductus-migrate, compose service migrator)?",
                migrator.LatestVersion, limit);
            return 1;
        }
    }

    /// <summary>The command's number argument (<c>down 3</c>, <c>wait 120</c>), or <paramref name="otherwise"/>.</summary>
    private static int Number(string[] args, int otherwise) =>
        args.Length >= 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : otherwise;
}
