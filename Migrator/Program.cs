using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ductus.Core;
using Ductus.Core.Migrations;
using Npgsql;

// The schema step of the AppHost: brings the database to the newest schema and exits.
// `migrate down <version>` reverts to a version, for operators rolling back a release.
var builder = Host.CreateApplicationBuilder(args);
builder.ConfigureOpenTelemetry();
builder.AddNpgsqlDataSource(Resources.Database);

using var host = builder.Build();
var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ductus.Migrator");
var connectionString = builder.Configuration.GetConnectionString(Resources.Database)
    ?? throw new InvalidOperationException($"ConnectionStrings:{Resources.Database} is not set.");

try
{
    await DatabaseBootstrap.EnsureDatabaseExistsAsync(connectionString);
    var migrator = new SchemaMigrator(host.Services.GetRequiredService<NpgsqlDataSource>());

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
