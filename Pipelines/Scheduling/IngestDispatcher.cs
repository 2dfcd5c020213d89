using System.Collections.Concurrent;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Quartz;
using StackExchange.Redis;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Starts a drain of an ingest pipeline as soon as the Api acknowledges records for it
/// (<c>ductus:ingest:buffered</c> over Redis). Drains coalesce: while one run is executing, at
/// most one more waits (Quartz keeps it blocked, the job disallows concurrent execution), and it
/// takes everything that arrived meanwhile. The buffer is durable without this: a lost message or
/// Redis being down only means the records wait for the pipeline's schedule.
/// </summary>
public sealed partial class IngestDispatcher(
    ISchedulerFactory schedulers,
    WorkspaceNames workspaces,
    IConnectionMultiplexer redis,
    ILogger<IngestDispatcher> logger) : BackgroundService
{
    private static readonly RedisChannel BufferedChannel = RedisChannel.Literal(RedisChannels.IngestBuffered);

    private const string TriggerPrefix = "ingest:";

    /// <summary>How long notices for one pipeline are gathered into one dispatch after the first.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<(Guid, string), Notices> notices = new();
    private readonly SemaphoreSlim gate = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(BufferedChannel, (channel, message) => _ = OnBufferedAsync(message, stoppingToken));
        }
        catch (RedisException e)
        {
            LogNoSubscription(logger, e, BufferedChannel.ToString());
        }
    }

    private async Task OnBufferedAsync(RedisValue message, CancellationToken ct)
    {
        try
        {
            var notice = JsonSerializer.Deserialize<BufferedNotice>(message.ToString(), JsonSerializerOptions.Web);
            if (notice is null || string.IsNullOrEmpty(notice.Pipeline))
            {
                return;
            }

            // Every push announces itself, dozens a second under load, and each dispatch asks the
            // job store what is queued. The first notice dispatches at once; the ones that follow
            // within Coalesce make one more dispatch after it, which starts after they arrived.
            var pending = notices.GetOrAdd((notice.WorkspaceId, notice.Pipeline), _ => new Notices());
            if (Interlocked.Increment(ref pending.Count) > 1)
            {
                return;
            }

            try
            {
                while (true)
                {
                    var seen = Volatile.Read(ref pending.Count);
                    if (await workspaces.FindAsync(notice.WorkspaceId, ct) is { } workspace)
                    {
                        await DispatchAsync(workspace.Name, notice.Pipeline, ct);
                    }

                    await Task.Delay(Coalesce, ct);
                    if (Interlocked.CompareExchange(ref pending.Count, 0, seen) == seen)
                    {
                        return;
                    }
                }
            }
            catch
            {
                // The next notice dispatches afresh; the schedule covers this one.
                Volatile.Write(ref pending.Count, 0);
                throw;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDispatchFailed(logger, e);
        }
    }

    /// <summary>Queues a drain of the pipeline unless one is already waiting; true when it queued one.</summary>
    public async Task<bool> DispatchAsync(string workspace, string pipeline, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var jobKey = ScheduleSync.JobKeyFor(workspace, pipeline);
        await gate.WaitAsync(ct);
        try
        {
            foreach (var trigger in await scheduler.GetTriggersOfJob(jobKey, ct))
            {
                // A fired trigger is Complete while its run executes; Normal or Blocked ones have not
                // started yet, so they will read what was just committed.
                if (trigger.Key.Name.StartsWith(TriggerPrefix, StringComparison.Ordinal)
                    && await scheduler.GetTriggerState(trigger.Key, ct) is TriggerState.Normal or TriggerState.Blocked)
                {
                    return false;
                }
            }

            await ScheduleSync.EnsureJobAsync(scheduler, jobKey, ct);
            var drain = TriggerBuilder.Create()
                .WithIdentity(new TriggerKey(TriggerPrefix + Guid.NewGuid().ToString("N"), workspace))
                .ForJob(jobKey)
                .StartNow()
                .UsingJobData(PipelineJob.TriggerKindKey, nameof(RunTrigger.Api))
                .Build();
            await scheduler.ScheduleJob(drain, new ScheduleJobOptions(), ct);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private sealed class Notices
    {
        public int Count;
    }

    private sealed record BufferedNotice(Guid WorkspaceId, string Dataset, string Pipeline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to {Channel}; ingest pipelines drain on their schedule only")]
    private static partial void LogNoSubscription(ILogger logger, Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queuing an ingest drain failed; the pipeline's schedule will drain the records")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}
