using System.Threading.Channels;
using Ductus.Api.Auth;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Runs;
using FastEndpoints;
using StackExchange.Redis;

namespace Ductus.Api.Features.Runs.Events;

/// <summary>
/// A run's progress as server-sent events until it ends. The Pipelines service (another process)
/// appends status changes and steps to the run's Redis stream and nudges watchers over pub/sub;
/// the catalog stays the truth (<see cref="RunEventStream"/>), so with Redis down the stream
/// still follows the run, only without steps.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, IConnectionMultiplexer redis, TimeProvider time, PiiAccess pii, ILogger<Endpoint> logger)
    : LookupEndpoint<RunIdRequest, object>
{
    /// <summary>The id of the last event, the run in its final state.</summary>
    public const string EndId = RunEventStream.EndId;

    public override void Configure()
    {
        Get("/api/runs/{id}/events");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status404NotFound), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Follow a run live (server-sent events)";
            s.Description = """
                A text/event-stream of `run` events (the run as GET /api/runs/{id} shows it: one at once, then one per status change)
                and `step` events (`{"step":"load","state":"finished","rows":4,"milliseconds":12}`; state is started, finished or failed),
                the steps so far first when the run had already begun. The stream ends after the `run` event of a final status
                (succeeded, failed, cancelled), whose id is `end`. Reconnecting with `Last-Event-ID: end` answers 204 (EventSource then stops);
                with another id, the stream goes on after that event. Comment lines keep an idle stream open.
                """;
        });
    }

    public override async Task HandleAsync(RunIdRequest req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        // Nudged by pub/sub, so entries are read at once rather than at the next poll.
        var nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        var channel = RedisChannel.Literal(RedisChannels.RunEvents(req.Id));
        Action<RedisChannel, RedisValue> handler = (_, _) => nudges.Writer.TryWrite(true);
        var subscriber = redis.GetSubscriber();
        var subscribed = false;
        try
        {
            await subscriber.SubscribeAsync(channel, handler);
            subscribed = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RunEventStream.LogRedisFailed(logger, e, req.Id);
        }

        try
        {
            await AnswerAsync(req.Id, workspace, nudges.Reader, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            if (subscribed)
            {
                // Removes this stream's handler only; other streams of the same run keep theirs.
                await subscriber.UnsubscribeAsync(channel, handler, CommandFlags.FireAndForget);
            }
        }
    }

    private async Task AnswerAsync(Guid runId, Guid workspace, ChannelReader<bool> nudges, CancellationToken ct)
    {
        if (await FoundOr404Async(await catalog.Runs.GetAsync(workspace, runId, ct), r => r.Id, "No run with this id in your workspace.", ct) is not { } run)
        {
            return;
        }

        var lastEventId = HttpContext.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId == EndId && RunEventStream.IsFinal(run.Status))
        {
            // The client saw the end already; 204 is what tells EventSource to stop reconnecting.
            await Send.NoContentAsync(ct);
            return;
        }

        // Tells nginx-style proxies not to hold the stream back in a buffer.
        HttpContext.Response.Headers["X-Accel-Buffering"] = "no";
        // Masked as the caller may see runs, decided once for the stream.
        var stream = new RunEventStream(catalog, redis, time, logger, HttpContext.Response, await pii.RunViewAsync(User, ct));
        await Send.ResultAsync(TypedResults.ServerSentEvents(stream.ReadAsync(workspace, run, lastEventId, nudges, ct)));
    }
}

/// <summary>A step of a run as its event stream shows it.</summary>
/// <param name="State"><c>started</c>, <c>finished</c> or <c>failed</c>.</param>
/// <param name="Rows">For contract: rows read; for load: rows written.</param>
public sealed record RunStep(string Step, string State, long? Rows, long? Milliseconds);
