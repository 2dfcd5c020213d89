using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Engine;
using Ductus.Core.Ingest;
using Ductus.Core.Lake;
using Ductus.Core.Migrations;
using Ductus.Core.Net;
using Ductus.Core.Runs;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines;
using Ductus.Pipelines.Runs;
using Ductus.Pipelines.Scheduling;
using Microsoft.Extensions.Options;
using Npgsql;
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
// Services act as ductus_app, which cannot bypass row-level security.
builder.AddNpgsqlDataSource(
    Resources.Database,
    settings => settings.ConnectionString = settings.ConnectionString is null ? null : CatalogRole.Adopt(settings.ConnectionString),
    dataSource => CatalogRole.PrepareRepeatedStatements(dataSource.ConnectionStringBuilder));
builder.AddDuctusRedis(Resources.Redis);

builder.Services.AddOptions<PipelinesOptions>()
    .Bind(builder.Configuration.GetSection(PipelinesOptions.Section))
    .PostConfigure(o => o.Folder = string.IsNullOrWhiteSpace(o.Folder)
        ? Path.Combine(Path.GetDirectoryName(SourceRoots.RepositoryDataFolder())!, "pipelines")
        : Path.GetFullPath(o.Folder))
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<PipelinesOptions>, PipelinesOptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.AddSourceAccess();
builder.Services.AddOptions<EgressPolicy>().Bind(builder.Configuration.GetSection(EgressPolicy.Section));
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental, but the only way to opt one client out of the defaults.
builder.Services.AddHttpClient(nameof(RunEngine))
    // The defaults' 30 s request timeout would cut large downloads; the spec's timeout governs instead.
    .RemoveAllResilienceHandlers()
    .ConfigurePrimaryHttpMessageHandler(sp => GuardedHttp.CreateHandler(sp.GetRequiredService<IOptions<EgressPolicy>>().Value))
    // A download streams for as long as the spec's timeout allows; the engine enforces that.
    .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
#pragma warning restore EXTEXP0001
builder.Services.AddSingleton(sp => new RunEngine(
    sp.GetRequiredService<SourceAccess>(),
    sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(RunEngine)),
    sp.GetRequiredService<TimeProvider>())
{
    // Specs name secrets and connections; their values stay in configuration.
    Sources = new SourceSettings(key => sp.GetRequiredService<IConfiguration>()[key]),
});
builder.Services.AddSingleton(sp => new CatalogStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ICatalogVersions>()));
builder.Services.AddSingleton(sp => new RejectStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<IRunEventSink, RedisRunEvents>();
builder.Services.AddSingleton(sp => new IngestBuffer(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton(sp => new LakeCompactor(
    sp.GetRequiredService<CatalogStore>(),
    sp.GetRequiredService<IOptions<LakeOptions>>().Value.Root,
    sp.GetRequiredService<ILogger<LakeCompactor>>())
{
    FilesPerTier = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.CompactFilesPerTier,
});
builder.Services.AddSingleton<BackgroundCompaction>();
builder.Services.AddHostedService<CompactionService>();
builder.Services.AddSingleton(sp => new PipelineRunner(
    sp.GetRequiredService<CatalogStore>(),
    sp.GetRequiredService<RejectStore>(),
    sp.GetRequiredService<RunEngine>(),
    sp.GetRequiredService<IOptions<LakeOptions>>().Value.Root,
    sp.GetRequiredService<ILogger<PipelineRunner>>(),
    sp.GetRequiredService<IRunEventSink>())
{
    Ingest = sp.GetRequiredService<IngestBuffer>(),
    MaxIngestRecordsPerRun = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.MaxIngestRecordsPerRun,
    Compaction = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.CompactFilesPerTier >= 2 ? sp.GetRequiredService<BackgroundCompaction>() : null,
    Redactor = sp.GetRequiredService<Ductus.Core.Telemetry.ErrorRedactor>(),
});
builder.Services.AddOptions<AlertOptions>().Bind(builder.Configuration.GetSection(AlertOptions.Section));
builder.Services.AddHttpClient<RunAlerts>()
    .AddTypedClient((http, sp) => new RunAlerts(
        http,
        sp.GetRequiredService<IOptions<AlertOptions>>().Value,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILogger<RunAlerts>>()));
builder.Services.AddOptions<RetentionOptions>()
    .Bind(builder.Configuration.GetSection(RetentionOptions.Section))
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
builder.Services.AddSingleton<WorkspaceNames>();
builder.Services.AddSingleton<ScheduleSync>();
builder.Services.AddHostedService<ScheduleSyncService>();
builder.Services.AddHostedService<SpecFolderSync>();
builder.Services.AddHostedService<QueuedRunDispatcher>();
builder.Services.AddHostedService<IngestDispatcher>();

// Quartz's own tables are not workspace data, so the scheduler uses the login as configured
// rather than the row-level-security role.
var quartzConnection = builder.Configuration.GetConnectionString(Resources.Database)
    ?? throw new InvalidOperationException($"ConnectionStrings:{Resources.Database} is not set.");

// One clustered scheduler over the job store the migrator created: any Pipelines replica can
// fire a pipeline, and a run on a replica that dies is recovered by another.
// Quartz is configured before the container exists, so its timings are read here; the
// validator still checks them at start.
var timings = builder.Configuration.GetSection(PipelinesOptions.Section).Get<PipelinesOptions>() ?? new PipelinesOptions();
builder.Services.AddQuartz(quartz =>
{
    quartz.ConfigureScheduler(scheduler =>
    {
        scheduler.InstanceName = "ductus";
        scheduler.GenerateInstanceId = true;
    });
    quartz.UsePersistentStore(store =>
    {
        store.UsePostgres(quartzConnection);
        store.ConfigureStore(options =>
        {
            options.TablePrefix = MigrationCatalog.QuartzTablePrefix;
            options.MisfireThreshold = timings.MisfireThreshold;
        });
        store.UseClustering(cluster =>
        {
            cluster.CheckinInterval = timings.ClusterCheckinInterval;
            cluster.CheckinMisfireThreshold = timings.ClusterCheckinMisfireThreshold;
        });
    });

    var retention = builder.Configuration.GetSection(RetentionOptions.Section).Get<RetentionOptions>() ?? new RetentionOptions();
    if (retention.Enabled)
    {
        // Stored in the shared job store: one node of the cluster runs it per interval.
        quartz.ScheduleJob<RetentionJob>(
            trigger => trigger.WithIdentity("retention", RetentionJob.Key.Group).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(retention.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity(RetentionJob.Key));
    }
});
// Shutdown does not wait for a run: nothing of it is visible before its commit, and the job
// requests recovery, so the next node (or this one after a restart) takes the run over.
builder.Services.AddQuartzHostedService(options => options.WaitForJobsToComplete = false);

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
