using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ductus.Core;
using Ductus.Core.Migrations;
using Npgsql;

// The schema step of the AppHost: brings the database to the newest schema and exits.
// `down <version>` reverts to a version, for operators rolling back a release.
// `wait [seconds]` only waits until the schema this build needs is in place (default 600 s),
// the init step of a deployment's services (deploy/kubernetes); it exits 1 when time runs out.
var builder = Host.CreateApplicationBuilder(args);
builder.ConfigureOpenTelemetry();
builder.AddNpgsqlDataSource(Resources.Database);

using var host = builder.Build();
var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ductus.Migrator");
var connectionString = builder.Configuration.GetConnectionString(Resources.Database)
    ?? throw new InvalidOperationException($"ConnectionStrings:{Resources.Database} is not set.");

try
{
    var migrator = new SchemaMigrator(host.Services.GetRequiredService<NpgsqlDataSource>());
    if (args.Length >= 1 && args[0] == "wait")
    {
        var limit = TimeSpan.FromSeconds(args.Length >= 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 600);
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

    await DatabaseBootstrap.EnsureDatabaseExistsAsync(connectionString);
    if (args.Length >= 1 && args[0] == "down")
    {
        var target = args.Length >= 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        foreach (var m in await migrator.DownAsync(target))
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
