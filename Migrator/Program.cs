using Ductus.Core;
using Ductus.Core.Telemetry;
using Ductus.Migrator;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.ConfigureOpenTelemetry(DuctusTelemetry.SourceNames);
builder.AddNpgsqlDataSource(Resources.Database);

using var host = builder.Build();
return await MigrationCommand.RunAsync(host.Services, builder.Configuration, args);
