using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Keeps Quartz in step with the catalog: one durable job per pipeline, one cron trigger per
/// enabled scheduled pipeline; jobs of deleted pipelines go away. Quartz's store is shared by
/// the cluster, so whichever node syncs, all see the same schedule.
/// </summary>
/// <remarks>
/// A pipeline is synced when it changes (<see cref="PipelineChange"/> over Redis, or the watched
/// folder) and by a sweep over every workspace (<see cref="SyncAllAsync"/>). Every node hears every
/// change and sweeps too, so two nodes may sync one pipeline at once, or a sweep that read a
/// pipeline before an update may write after the update's own sync. A sync therefore holds a
/// per-pipeline advisory lock while it reads the catalog row and writes the trigger: whichever
/// sync comes last read the row after the last commit, so the last write is always the newest.
/// </remarks>
public sealed class ScheduleSync(
    ISchedulerFactory schedulers,
    CatalogStore catalog,
    NpgsqlDataSource db,
    IOptions<PipelinesOptions> options,
    ILogger<ScheduleSync> logger)
{
    public static JobKey JobKeyFor(string workspace, string pipeline) => new(pipeline, workspace);

    public static TriggerKey CronKeyFor(string workspace, string pipeline) => new($"{pipeline}:cron", workspace);

    /// <summary>Brings one pipeline's job and cron trigger in step with its catalog row; removes its job when the row is gone.</summary>
    public async Task SyncPipelineAsync(WorkspaceRecord workspace, string pipeline, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var scheduler = await schedulers.GetScheduler(ct);
        await using var guard = await PipelineLock.AcquireAsync(db, workspace, pipeline, ct);
        var record = await catalog.Pipelines.GetAsync(workspace.Id, pipeline, ct);
        if (record is null)
        {
            if (await scheduler.DeleteJob(JobKeyFor(workspace.Name, pipeline), ct))
            {
                logger.LogInformation("Removed the job of deleted pipeline {Workspace}/{Pipeline}", workspace.Name, pipeline);
            }

            return;
        }

        var jobKey = JobKeyFor(workspace.Name, pipeline);
        await EnsureJobAsync(scheduler, jobKey, ct);
        var cronKey = CronKeyFor(workspace.Name, pipeline);
        var existing = await scheduler.GetTrigger(cronKey, ct) as ICronTrigger;
        if (WantsCron(record))
        {
            if (existing?.CronExpressionString == record.Schedule
                && await scheduler.GetTriggerState(cronKey, ct) is not TriggerState.Error)
            {
                return;
            }

            var trigger = TriggerBuilder.Create()
                .WithIdentity(cronKey)
                .ForJob(jobKey)
                .UsingJobData(PipelineJob.TriggerKindKey, nameof(RunTrigger.Schedule))
                // After downtime over several fire times: one run now, not one per missed time.
                .WithCronSchedule(record.Schedule!, cron => cron.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            if (existing is null)
            {
                await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct);
            }
            else
            {
                await scheduler.RescheduleJob(cronKey, trigger, ct);
            }

            logger.LogInformation("Scheduled {Workspace}/{Pipeline} with cron {Cron}", workspace.Name, pipeline, record.Schedule);
        }
        else if (existing is not null)
        {
            await scheduler.UnscheduleJob(cronKey, ct);
            logger.LogInformation("Unscheduled {Workspace}/{Pipeline} ({Reason})", workspace.Name, pipeline, record.Enabled ? "no schedule" : "disabled");
        }
    }

    /// <summary>
    /// The safety net under the change notices: every workspace's pipelines checked against the
    /// scheduler with three reads per workspace, and only those out of step synced; jobs of
    /// pipelines or workspaces that are gone removed.
    /// </summary>
    public async Task SyncAllAsync(CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var workspaces = await catalog.Workspaces.ListAsync(ct);
        foreach (var workspace in workspaces)
        {
            var pipelines = await catalog.Pipelines.ListAsync(workspace.Id, ct);
            var triggers = (await catalog.Pipelines.ListScheduledTriggersAsync(workspace.Id, ct)).ToDictionary(t => t.Pipeline, StringComparer.Ordinal);
            var jobs = (await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(workspace.Name), ct)).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var pipeline in pipelines)
            {
                var trigger = triggers.GetValueOrDefault(pipeline.Name);
                var inStep = jobs.Contains(pipeline.Name) && (WantsCron(pipeline)
                    ? trigger is not null && trigger.Cron == pipeline.Schedule && trigger.State != "ERROR"
                    : trigger is null);
                if (!inStep)
                {
                    await SyncPipelineAsync(workspace, pipeline.Name, ct);
                }
            }

            var names = pipelines.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in jobs.Where(j => !names.Contains(j)))
            {
                await SyncPipelineAsync(workspace, gone, ct);
            }
        }

        var known = workspaces.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var group in await scheduler.GetJobGroupNames(ct))
        {
            if (known.Contains(group))
            {
                continue;
            }

            foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(group), ct))
            {
                // Other groups hold the service's own jobs (retention); only pipeline jobs name a workspace.
                if ((await scheduler.GetJobDetail(key, ct))?.JobType.Type == typeof(PipelineJob) && await scheduler.DeleteJob(key, ct))
                {
                    logger.LogInformation("Removed the job of {Pipeline}, whose workspace {Workspace} is gone", key.Name, group);
                }
            }
        }
    }

    /// <summary>
    /// Runs the folder's scheduled pipelines that never loaded their dataset and never ran, now,
    /// rather than at their first cron time (a fresh stack shows its demo data at once).
    /// </summary>
    public async Task RunNeverLoadedAsync(WorkspaceRecord workspace, IEnumerable<string> fromFolder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(fromFolder);
        if (!options.Value.RunNeverLoadedAtStart)
        {
            return;
        }

        var scheduler = await schedulers.GetScheduler(ct);
        foreach (var name in fromFolder)
        {
            var pipeline = await catalog.Pipelines.GetAsync(workspace.Id, name, ct);
            if (pipeline is null || !WantsCron(pipeline))
            {
                continue;
            }

            var dataset = await catalog.Datasets.GetAsync(workspace.Id, pipeline.Dataset, ct);
            var runs = await catalog.Runs.ListAsync(workspace.Id, new RunFilter(pipeline.Name), null, 1, ct);
            if (dataset?.CurrentVersion is null && runs.Items.Count == 0)
            {
                await DispatchAsync(scheduler, workspace.Name, pipeline.Name, null, RunTrigger.Schedule, $"{pipeline.Name}:first", ct);
            }
        }
    }

    private static bool WantsCron(PipelineRecord pipeline) => pipeline.Enabled && !string.IsNullOrWhiteSpace(pipeline.Schedule);

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

    /// <summary>
    /// A transaction-scoped PostgreSQL advisory lock on one pipeline's schedule, shared by every
    /// node of the cluster; released when disposed (the transaction ends).
    /// </summary>
    private sealed class PipelineLock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;

        private PipelineLock(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            _connection = connection;
            _transaction = transaction;
        }

        public static async Task<PipelineLock> AcquireAsync(NpgsqlDataSource db, WorkspaceRecord workspace, string pipeline, CancellationToken ct)
        {
            var connection = await db.OpenConnectionAsync(ct);
            try
            {
                var transaction = await connection.BeginTransactionAsync(ct);
                await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"ductus.schedule:{workspace.Id}/{pipeline}" });
                await command.ExecuteNonQueryAsync(ct);
                return new PipelineLock(connection, transaction);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }
}
