using System.Text.Json;
using StackExchange.Redis;

namespace Ductus.Api.Catalog;

/// <summary>
/// Tells the Pipelines service about queued and cancelled runs over Redis pub/sub. The catalog
/// row is the truth and the Pipelines service also polls it, so a lost message only delays a
/// run: failures are logged, never passed on to the client.
/// </summary>
public sealed partial class RunNotifier(IConnectionMultiplexer redis, ILogger<RunNotifier> logger)
{
    public const string QueuedChannel = "ductus:runs:queued";
    public const string CancelChannel = "ductus:runs:cancel";

    public Task QueuedAsync(Guid workspaceId, Guid runId, string pipeline) => PublishAsync(QueuedChannel, workspaceId, runId, pipeline);

    public Task CancelAsync(Guid workspaceId, Guid runId, string pipeline) => PublishAsync(CancelChannel, workspaceId, runId, pipeline);

    private async Task PublishAsync(string channel, Guid workspaceId, Guid runId, string pipeline)
    {
        var message = JsonSerializer.Serialize(new { workspaceId, runId, pipeline }, JsonSerializerOptions.Web);
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(logger, ex, channel, runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish run {RunId} on {Channel}; the Pipelines service will find it by polling")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string channel, Guid runId);
}
