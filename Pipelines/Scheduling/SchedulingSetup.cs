using Ductus.Core;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Scheduling;

public static class SchedulingSetup
{
    /// <summary>
    /// What starts runs: the spec folder and the catalog kept in step with the scheduler, the
    /// dispatchers of queued runs and ingest batches, retention, and the clustered Quartz
    /// scheduler that fires them (<see cref="QuartzSetup"/>).
    /// </summary>
    public static IHostApplicationBuilder AddScheduling(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<PipelinesOptions, PipelinesOptionsValidator>(PipelinesOptions.Section)
            .PostConfigure(o => o.Folder = string.IsNullOrWhiteSpace(o.Folder)
                ? Path.Combine(Path.GetDirectoryName(SourceRoots.RepositoryDataFolder())!, "pipelines")
                : Path.GetFullPath(o.Folder));
        builder.Services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.Section);
        builder.Services.AddSingleton<WorkspaceNames>();
        builder.Services.AddSingleton<ScheduleSync>();
        builder.Services.AddHostedService<ScheduleSyncService>();
        builder.Services.AddHostedService<SpecFolderSync>();
        builder.Services.AddHostedService<QueuedRunDispatcher>();
        builder.Services.AddHostedService<IngestDispatcher>();
        builder.AddClusteredQuartz();
        return builder;
    }
}
