using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Runs;
using StackExchange.Redis;

namespace Ductus.Api.Catalog;

/// <summary>
/// Tells the Pipelines service about queued and cancelled runs and changed pipelines over Redis
/// pub/sub (and a run's event stream about its cancel). The catalog row is the truth and the
/// Pipelines service also polls it, so a lost message only delays a run or a schedule change:
/// failures are logged, never passed on to the client.
/// </summary>
public sealed partial class RunNotifier(IConnectionMultiplexer redis, ILogger<RunNotifier> logger)
{
    public async Task QueuedAsync(Guid workspaceId, Guid runId, string pipeline)
    {
        await PublishAsync(RedisChannels.RunQueued, workspaceId, runId, pipeline);
        // The queued run exists only in the catalog so far; workspace-wide watchers hear of it here.
        await PublishAsync(RedisChannels.WorkspaceRunEvents(workspaceId),
            RunEvent.ForStatus(runId, Ductus.Core.Catalog.RunStatus.Queued, workspaceId, pipeline).ToJson(), $"run {runId}");
    }

    /// <summary>The pipeline's spec, schedule, enabled flag or existence changed: its Quartz trigger follows.</summary>
    public Task PipelineChangedAsync(Guid workspaceId, string pipeline) =>
        PublishAsync(RedisChannels.PipelineChanged, new PipelineChange(workspaceId, pipeline).ToJson(), $"pipeline {pipeline}");

    public async Task CancelAsync(Guid workspaceId, Guid runId, string pipeline)
    {
        await PublishAsync(RedisChannels.RunCancelled, workspaceId, runId, pipeline);
        // Watchers of the run's event stream learn of it at once rather than at their next poll.
        await AppendAsync(RunEvent.ForStatus(runId, Ductus.Core.Catalog.RunStatus.Cancelled, workspaceId, pipeline));
    }

    /// <summary>Adds an event to the run's Redis stream and nudges its watchers, as the Pipelines service does.</summary>
    public async Task AppendAsync(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var key = RedisChannels.RunEvents(runEvent.RunId);
        try
        {
            var db = redis.GetDatabase();
            await db.StreamAddAsync(key, RunEvent.Field, runEvent.ToJson(), maxLength: RunEvent.MaxKept, useApproximateMaxLength: true);
            await db.KeyExpireAsync(key, RunEvent.KeptFor);
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(key), RedisValue.EmptyString);
            if (runEvent.WorkspaceId is { } workspace)
            {
                await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisChannels.WorkspaceRunEvents(workspace)), runEvent.ToJson());
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(logger, ex, key, $"run {runEvent.RunId}");
        }
    }

    private Task PublishAsync(string channel, Guid workspaceId, Guid runId, string pipeline) =>
        PublishAsync(channel, JsonSerializer.Serialize(new { workspaceId, runId, pipeline }, JsonSerializerOptions.Web), $"run {runId}");

    private async Task PublishAsync(string channel, string message, string subject)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(logger, ex, channel, subject);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Subject} on {Channel}; the Pipelines service will find it by polling")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string channel, string subject);
}
