using System.Threading.Channels;
using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using FastEndpoints;
using StackExchange.Redis;

namespace Ductus.Api.Features.Runs.Feed;

/// <summary>
/// Every run event of the caller's workspace as server-sent events, so a runs list updates
/// without polling. Events are relayed from the workspace's Redis channel as they come
/// (<see cref="RunFeed"/>); without Redis there is nothing to relay, so the stream says so
/// (503 before it starts, an <c>error</c> event after) rather than staying silent.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, IConnectionMultiplexer redis, TimeProvider time, PiiAccess pii, ILogger<Endpoint> logger)
    : EndpointWithoutRequest
{
    // A burst bigger than this (hundreds of runs at once) drops the oldest: the list re-reads.
    private const int Buffered = 1000;

    public override void Configure()
    {
        // A literal segment: routing prefers it to GET /api/runs/{id}, so "events" is never an id.
        Get("/api/runs/events");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status503ServiceUnavailable), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Follow every run of the workspace live (server-sent events)";
            s.Description = """
                A text/event-stream of `run` events (the run as GET /api/runs/{id} shows it, `status` being the one the event announces:
                queued, running, succeeded, failed, cancelled) and `step` events (`{"runId", "pipeline", "step", "state", "rows", "milliseconds"}`)
                for every run of the caller's workspace, from the moment of connecting; nothing is replayed, so a client reads GET /api/runs
                once and then applies events. Comment lines keep an idle stream open. 503 when Redis is unavailable; if Redis goes away
                while streaming, an `error` event says so and the stream ends.
                """;
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var messages = Channel.CreateBounded<string?>(new BoundedChannelOptions(Buffered) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        var channel = RedisChannel.Literal(RedisChannels.WorkspaceRunEvents(workspace));
        Action<RedisChannel, RedisValue> handler = (_, message) => messages.Writer.TryWrite(message.ToString());
        // Null in the queue: the connection was lost, and with it every event until it is back.
        EventHandler<ConnectionFailedEventArgs> lost = (_, _) => messages.Writer.TryWrite(null);
        var subscriber = redis.GetSubscriber();
        try
        {
            if (!redis.IsConnected)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "not connected");
            }

            await subscriber.SubscribeAsync(channel, handler);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RunFeed.LogRedisFailed(logger, e, workspace);
            await Send.ResultAsync(TypedResults.Problem(RunFeed.RedisDown, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Live run events unavailable"));
            return;
        }

        redis.ConnectionFailed += lost;
        try
        {
            // Tells nginx-style proxies not to hold the stream back in a buffer.
            HttpContext.Response.Headers["X-Accel-Buffering"] = "no";
            var feed = new RunFeed(catalog, time, HttpContext.Response, await pii.RunViewAsync(User, ct));
            await Send.ResultAsync(TypedResults.ServerSentEvents(feed.ReadAsync(workspace, messages.Reader, ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            redis.ConnectionFailed -= lost;
            // Removes this stream's handler only; other streams of the workspace keep theirs.
            await subscriber.UnsubscribeAsync(channel, handler, CommandFlags.FireAndForget);
        }
    }
}
