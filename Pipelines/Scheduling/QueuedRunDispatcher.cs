using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Hands runs queued through the API to Quartz, which fires them on one node of the cluster.
/// A Redis message (<c>ductus:runs:queued</c>) makes that immediate; polling PostgreSQL makes it
/// certain, so a lost message or Redis being down only delays a run by one poll interval.
/// </summary>
public sealed class QueuedRunDispatcher(
    CatalogStore catalog,
    ScheduleSync schedules,
    IConnectionMultiplexer redis,
    IOptions<PipelinesOptions> options,
    ILogger<QueuedRunDispatcher> logger) : BackgroundService
{
    private static readonly RedisChannel QueuedChannel = RedisChannel.Literal(RedisChannels.RunQueued);

    private readonly SemaphoreSlim _nudge = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(QueuedChannel, (_, _) => Nudge());
        }
        catch (RedisException e)
        {
            logger.LogWarning(e, "Cannot subscribe to {Channel}; queued runs are found by polling only", QueuedChannel);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchQueuedAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Dispatching queued runs failed; retrying");
            }

            try
            {
                await _nudge.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Nudge()
    {
        try
        {
            _nudge.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public async Task DispatchQueuedAsync(CancellationToken ct)
    {
        foreach (var (id, name) in await catalog.Workspaces.ListAsync(ct))
        {
            var queued = await catalog.Runs.ListAsync(id, new RunFilter(Status: RunStatus.Queued), null, 100, ct);
            foreach (var run in queued.Items)
            {
                if (await schedules.DispatchAsync(name, run.Pipeline, run.Id, run.Trigger, ct))
                {
                    logger.LogInformation("Dispatched queued run {RunId} of {Pipeline}", run.Id, run.Pipeline);
                }
            }
        }
    }
}
