using Ductus.Core.Contracts;
using Ductus.Core.Runs;
using StackExchange.Redis;

namespace Ductus.Pipelines.Runs;

/// <summary>
/// Appends run events to the run's Redis stream and nudges the Api's watchers over pub/sub.
/// Fire and forget: the engine reports from inside its steps and must not wait on Redis; a lost
/// event only makes a watcher find the status change by polling the catalog. An event that names
/// its workspace also goes to the workspace's channel, for the Api's workspace-wide stream.
/// </summary>
public sealed partial class RedisRunEvents(IConnectionMultiplexer redis, ILogger<RedisRunEvents> logger) : IRunEventSink
{
    public void Publish(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var key = RedisChannels.RunEvents(runEvent.RunId);
        try
        {
            // One connection keeps the order: the entry exists before the nudge arrives.
            var db = redis.GetDatabase();
            var json = runEvent.ToJson();
            db.StreamAdd(key, RunEvent.Field, json, maxLength: RunEvent.MaxKept, useApproximateMaxLength: true, flags: CommandFlags.FireAndForget);
            db.KeyExpire(key, RunEvent.KeptFor, flags: CommandFlags.FireAndForget);
            var subscriber = redis.GetSubscriber();
            subscriber.Publish(RedisChannel.Literal(key), RedisValue.EmptyString, CommandFlags.FireAndForget);
            if (runEvent.WorkspaceId is { } workspace)
            {
                subscriber.Publish(RedisChannel.Literal(RedisChannels.WorkspaceRunEvents(workspace)), json, CommandFlags.FireAndForget);
            }
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            LogPublishFailed(logger, e, runEvent.RunId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not publish an event of run {RunId}; watchers will poll")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid runId);
}
