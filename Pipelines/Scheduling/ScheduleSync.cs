using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Keeps Quartz in step with the catalog: one durable job per pipeline, one cron trigger per
/// enabled scheduled pipeline; jobs of deleted pipelines go away. Quartz's store is shared by
/// the cluster, so whichever node syncs, all see the same schedule.
/// </summary>
public sealed class ScheduleSync(ISchedulerFactory schedulers, CatalogStore catalog, IOptions<PipelinesOptions> options, ILogger<ScheduleSync> logger)
{
    public static JobKey JobKeyFor(string workspace, string pipeline) => new(pipeline, workspace);

    public static TriggerKey CronKeyFor(string workspace, string pipeline) => new($"{pipeline}:cron", workspace);

    /// <param name="fromFolder">Pipelines loaded from the watched folder: only these are run at once when never loaded.</param>
    public async Task SyncAsync(Guid workspaceId, string workspace, IReadOnlySet<string> fromFolder, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var pipelines = await catalog.ListPipelinesAsync(workspaceId, ct);
        var wanted = new HashSet<JobKey>();

        foreach (var pipeline in pipelines)
        {
            var jobKey = JobKeyFor(workspace, pipeline.Name);
            wanted.Add(jobKey);
            await EnsureJobAsync(scheduler, jobKey, ct);

            var cronKey = CronKeyFor(workspace, pipeline.Name);
            var existing = await scheduler.GetTrigger(cronKey, ct) as ICronTrigger;
            if (pipeline.Enabled && !string.IsNullOrWhiteSpace(pipeline.Schedule))
            {
                if (existing?.CronExpressionString == pipeline.Schedule)
                {
                    continue;
                }

                var trigger = TriggerBuilder.Create()
                    .WithIdentity(cronKey)
                    .ForJob(jobKey)
                    .UsingJobData(PipelineJob.TriggerKindKey, nameof(RunTrigger.Schedule))
                    // After downtime over several fire times: one run now, not one per missed time.
                    .WithCronSchedule(pipeline.Schedule, cron => cron.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                    .Build();
                if (existing is null)
                {
                    try
                    {
                        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct);
                    }
                    catch (ObjectAlreadyExistsException)
                    {
                        // Another replica synced the same folder first; the rest of this pass still runs.
                        continue;
                    }
                }
                else
                {
                    await scheduler.RescheduleJob(cronKey, trigger, ct);
                }

                logger.LogInformation("Scheduled {Pipeline} with cron {Cron}", pipeline.Name, pipeline.Schedule);
            }
            else if (existing is not null)
            {
                await scheduler.UnscheduleJob(cronKey, ct);
                logger.LogInformation("Unscheduled {Pipeline}", pipeline.Name);
            }
        }

        foreach (var stale in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(workspace), ct))
        {
            if (!wanted.Contains(stale))
            {
                await scheduler.DeleteJob(stale, ct);
                logger.LogInformation("Removed the job of deleted pipeline {Pipeline}", stale.Name);
            }
        }

        if (options.Value.RunNeverLoadedAtStart)
        {
            foreach (var pipeline in pipelines.Where(p => p.Enabled && !string.IsNullOrWhiteSpace(p.Schedule) && fromFolder.Contains(p.Name)))
            {
                var dataset = await catalog.GetDatasetAsync(workspaceId, pipeline.Dataset, ct);
                var runs = await catalog.ListRunsAsync(workspaceId, new RunFilter(pipeline.Name), null, 1, ct);
                if (dataset?.CurrentVersion is null && runs.Items.Count == 0)
                {
                    await DispatchAsync(scheduler, workspace, pipeline.Name, null, RunTrigger.Schedule, $"{pipeline.Name}:first", ct);
                }
            }
        }
    }

    /// <summary>
    /// Fires the pipeline's job once, now. The trigger key is unique per run, so two nodes
    /// dispatching the same queued run schedule it once.
    /// </summary>
    public async Task<bool> DispatchAsync(string workspace, string pipeline, Guid runId, RunTrigger trigger, CancellationToken ct) =>
        await DispatchAsync(await schedulers.GetScheduler(ct), workspace, pipeline, runId, trigger, $"run:{runId}", ct);

    private static async Task<bool> DispatchAsync(IScheduler scheduler, string workspace, string pipeline, Guid? runId, RunTrigger trigger, string triggerName, CancellationToken ct)
    {
        var jobKey = JobKeyFor(workspace, pipeline);
        await EnsureJobAsync(scheduler, jobKey, ct);
        var key = new TriggerKey(triggerName, workspace);
        if (await scheduler.Exists(key, ct))
        {
            return false;
        }

        var builder = TriggerBuilder.Create().WithIdentity(key).ForJob(jobKey).StartNow()
            .UsingJobData(PipelineJob.TriggerKindKey, trigger.ToString());
        if (runId is { } id)
        {
            builder = builder.UsingJobData(PipelineJob.RunIdKey, id.ToString());
        }

        try
        {
            await scheduler.ScheduleJob(builder.Build(), new ScheduleJobOptions(), ct);
            return true;
        }
        catch (ObjectAlreadyExistsException)
        {
            return false;
        }
    }

    internal static async Task EnsureJobAsync(IScheduler scheduler, JobKey jobKey, CancellationToken ct)
    {
        if (await scheduler.Exists(jobKey, ct))
        {
            return;
        }

        var job = JobBuilder.Create<PipelineJob>()
            .WithIdentity(jobKey)
            .StoreDurably()
            // A node that dies mid-run: another node re-fires the job, which takes the run over.
            .RequestRecovery()
            .Build();
        try
        {
            await scheduler.AddJob(job, new AddJobOptions(), ct);
        }
        catch (ObjectAlreadyExistsException)
        {
        }
    }
}
