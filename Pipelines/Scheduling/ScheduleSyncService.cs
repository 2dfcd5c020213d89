using System.Threading.Channels;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Brings the scheduler in step with pipelines changed anywhere, in any workspace: a
/// <see cref="PipelineChange"/> notice (sent by the Api after it commits the change) syncs that
/// one pipeline at once, and a sweep over every workspace every
/// <see cref="PipelinesOptions.ScheduleSweepInterval"/> catches what a lost notice missed.
/// </summary>
public sealed partial class ScheduleSyncService(
    ScheduleSync schedules,
    WorkspaceNames workspaces,
    IConnectionMultiplexer redis,
    IOptions<PipelinesOptions> options,
    TimeProvider time,
    ILogger<ScheduleSyncService> logger) : BackgroundService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(RedisChannels.PipelineChanged);

    // Bounded so a flood of notices cannot grow memory; dropping is safe, the sweep repairs it.
    private readonly Channel<PipelineChange> _changes = System.Threading.Channels.Channel.CreateBounded<PipelineChange>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSweep = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            await SubscribeAsync();
            if (time.GetUtcNow() >= nextSweep)
            {
                try
                {
                    await schedules.SyncAllAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(logger, e);
                }

                nextSweep = time.GetUtcNow() + options.Value.ScheduleSweepInterval;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var untilSweep = nextSweep - time.GetUtcNow();
            wait.CancelAfter(untilSweep > TimeSpan.Zero ? untilSweep : TimeSpan.Zero);
            try
            {
                var change = await _changes.Reader.ReadAsync(wait.Token);
                await SyncAsync(change, stoppingToken);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The sweep is due.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SyncAsync(PipelineChange change, CancellationToken ct)
    {
        try
        {
            if (await workspaces.FindAsync(change.WorkspaceId, ct) is { } workspace)
            {
                await schedules.SyncPipelineAsync(workspace, change.Pipeline, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSyncFailed(logger, e, change.Pipeline);
        }
    }

    /// <summary>
    /// Subscribes once Redis answers. Tried again on every pass while it does not: a node that
    /// started during a Redis outage would otherwise never hear a notice (the multiplexer
    /// restores subscriptions it made, not ones that failed).
    /// </summary>
    private async Task SubscribeAsync()
    {
        if (_subscribed)
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
            {
                if (PipelineChange.Parse(message) is { } change)
                {
                    _changes.Writer.TryWrite(change);
                }
            });
            _subscribed = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogNoSubscription(logger, e, RedisChannels.PipelineChanged);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to {Channel}; pipeline changes reach the scheduler with the next sweep")]
    private static partial void LogNoSubscription(ILogger logger, Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Error, Message = "Syncing the schedule of {Pipeline} failed; the next sweep retries")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception, string pipeline);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping the schedules of every workspace failed; retrying at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
