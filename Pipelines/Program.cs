using Ductus.Core;
using Ductus.Core.Migrations;
using Ductus.Pipelines;
using Quartz;

if (PipelinesCli.Handles(args))
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        // First Ctrl+C cancels the run cleanly (nothing is committed); the run is recorded as cancelled.
        e.Cancel = true;
        cancel.Cancel();
    };
    return await PipelinesCli.RunAsync(args, Console.Out, Console.Error, cancel.Token);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLake();
builder.AddNpgsqlDataSource(Resources.Database);
builder.AddRedisClient(Resources.Redis);

// One clustered scheduler over the job store the migrator created: any Pipelines replica can
// fire a pipeline, and a run on a replica that dies is recovered by another.
builder.Services.AddQuartz(quartz =>
{
    quartz.ConfigureScheduler(scheduler =>
    {
        scheduler.InstanceName = "ductus";
        scheduler.GenerateInstanceId = true;
    });
    quartz.UsePersistentStore(store =>
    {
        // The Aspire-registered NpgsqlDataSource, so Quartz shares its pool and telemetry.
        store.UsePostgres(pg => pg.UseRegisteredDataSource = true);
        store.ConfigureStore(options => options.TablePrefix = MigrationCatalog.QuartzTablePrefix);
        store.UseClustering(_ => { });
    });
});
builder.Services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
