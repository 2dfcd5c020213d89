using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Sources;
using Ductus.Core.Telemetry;
using Ductus.Pipelines.Alerts;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Ingest;
using Ductus.Pipelines.Lake;
using Ductus.Pipelines.Net;
using Ductus.Pipelines.Scheduling;
using Ductus.Pipelines.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Runs;

public static class RunSetup
{
    /// <summary>
    /// The catalog database, where services act as ductus_app, which cannot bypass row-level
    /// security (runs send the same few statements all day, so repeated ones are prepared); and
    /// Redis, for run events, schedule and ingest notices and catalog version tokens.
    /// </summary>
    public static IHostApplicationBuilder AddDataStores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNpgsqlDataSource(
            Resources.Database,
            settings => settings.ConnectionString = CatalogRole.Adopt(settings.ConnectionString),
            dataSource => CatalogRole.PrepareRepeatedStatements(dataSource.ConnectionStringBuilder));
        builder.AddOptionalRedisClient(Resources.Redis);
        return builder;
    }

    /// <summary>
    /// The engine that executes a spec, and what it may reach: each workspace's source roots and
    /// grants, and the egress policy every download goes through.
    /// </summary>
    private static IHostApplicationBuilder AddRunEngine(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSourceAccess();
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
            MemoryLimit = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.RunMemoryLimit,
        });
        return builder;
    }

    /// <summary>
    /// What carries a run from the engine into the lake and the catalog: the runner, the engine
    /// it drives, rejected rows, ingest batches, background compaction, the run's events for
    /// watchers, and alerts (<see cref="AlertSetup"/>).
    /// The lake is part of readiness: a node that cannot write it cannot finish a run.
    /// </summary>
    public static IHostApplicationBuilder AddPipelineRunner(this IHostApplicationBuilder builder)
    {
        builder.AddRunEngine();
        var services = builder.Services;
        services.AddValidatedOptions<LakeOptions, LakeOptionsValidator>(LakeOptions.Section);
        services.AddHealthChecks().AddCheck<LakeHealthCheck>(LakeHealthCheck.Name);
        services.AddCatalogStore();
        services.AddSingleton(sp => new RejectStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRunEventSink, RedisRunEvents>();
        services.AddSingleton(sp => new IngestDrainer(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new LakeCompactor(
            sp.GetRequiredService<CatalogStore>(),
            sp.GetRequiredService<IOptions<LakeOptions>>().Value.Root,
            sp.GetRequiredService<ILogger<LakeCompactor>>())
        {
            FilesPerTier = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.CompactFilesPerTier,
            Time = sp.GetRequiredService<TimeProvider>(),
        });
        services.AddSingleton<BackgroundCompaction>();
        services.AddHostedService<CompactionService>();
        services.AddHostedService<CatalogGauges>();
        services.AddErrorRedaction();
        services.AddSingleton(sp => new PipelineRunner(
            sp.GetRequiredService<CatalogStore>(),
            sp.GetRequiredService<RejectStore>(),
            sp.GetRequiredService<RunEngine>(),
            sp.GetRequiredService<IOptions<LakeOptions>>().Value.Root,
            sp.GetRequiredService<ILogger<PipelineRunner>>(),
            sp.GetRequiredService<IRunEventSink>())
        {
            Ingest = sp.GetRequiredService<IngestDrainer>(),
            MaxIngestRecordsPerRun = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.MaxIngestRecordsPerRun,
            Compaction = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.CompactFilesPerTier >= 2 ? sp.GetRequiredService<BackgroundCompaction>() : null,
            Redactor = sp.GetRequiredService<ErrorRedactor>(),
        });
        builder.AddAlerts();
        return builder;
    }
}
