using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Runs;
using FastEndpoints;
using Microsoft.AspNetCore.Http.Features;
using StackExchange.Redis;

namespace Ductus.Api.Features.Runs.Events;

/// <summary>
/// A run's progress as server-sent events until it ends. The Pipelines service (another process)
/// appends status changes and steps to the run's Redis stream and nudges watchers over pub/sub;
/// the catalog stays the truth: every <c>run</c> event is the catalog's row, re-read when a status
/// entry arrives and at least every <see cref="PollInterval"/>, so with Redis down the stream
/// still follows the run, only without steps.
/// </summary>
public sealed partial class Endpoint(CatalogStore catalog, IConnectionMultiplexer redis, TimeProvider time, ILogger<Endpoint> logger)
    : Endpoint<RunIdRequest>
{
    /// <summary>The id of the last event, the run in its final state.</summary>
    public const string EndId = "end";

    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    // Below the 30–60 s idle timeouts common in proxies and load balancers.
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(3);

    // The runner appends its last step and then the final status right after the catalog commit;
    // a poll that sees the final row first waits this long for them.
    private static readonly TimeSpan FinalEntryGrace = TimeSpan.FromSeconds(1);

    public override void Configure()
    {
        Get("/api/runs/{id}/events");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Runs")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .Produces(StatusCodes.Status204NoContent)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
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
        var channel = RedisChannel.Literal(RunEvent.Key(req.Id));
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
            LogRedisFailed(logger, e, req.Id);
        }

        try
        {
            await StreamAsync(req.Id, workspace, nudges.Reader, ct);
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

    private async Task StreamAsync(Guid runId, Guid workspace, ChannelReader<bool> nudges, CancellationToken ct)
    {
        if (await catalog.GetRunAsync(workspace, runId, ct) is not { } run)
        {
            // Runs of other workspaces answer the same as runs that do not exist.
            AddError(r => r.Id, "No run with this id in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var lastEventId = HttpContext.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId == EndId && IsFinal(run.Status))
        {
            // The client saw the end already; 204 is what tells EventSource to stop reconnecting.
            await Send.NoContentAsync(ct);
            return;
        }

        // Ids are the Redis stream's entry ids: a reconnect goes on right after the last one seen.
        var cursor = StreamId.TryParse(lastEventId, out var resume) ? resume : StreamId.Start;
        var stream = new EventWriter(HttpContext, time);
        await stream.StartAsync(ReconnectDelay, ct);
        RunStatus? shown = null;
        if (!IsFinal(run.Status))
        {
            await stream.RunAsync(run, cursor, final: false, ct);
            shown = run.Status;
        }

        while (true)
        {
            var (read, statusSeen) = await ReadEntriesAsync(runId, cursor, stream, ct);
            cursor = read;
            if (statusSeen || shown is null || await WaitAsync(nudges, ct) is false)
            {
                if (await catalog.GetRunAsync(workspace, runId, ct) is not { } now)
                {
                    // Deleted while watched (its workspace went away): nothing more will happen.
                    return;
                }

                if (IsFinal(now.Status))
                {
                    if (!statusSeen)
                    {
                        cursor = await AwaitFinalEntryAsync(runId, cursor, stream, ct);
                    }

                    await stream.RunAsync(now, cursor, final: true, ct);
                    return;
                }

                if (now.Status != shown)
                {
                    shown = now.Status;
                    await stream.RunAsync(now, cursor, final: false, ct);
                }
            }

            await stream.HeartbeatIfIdleAsync(HeartbeatInterval, ct);
        }
    }

    /// <summary>Writes the step entries after <paramref name="cursor"/>; says whether a status entry was among them.</summary>
    private async Task<(StreamId Cursor, bool StatusSeen)> ReadEntriesAsync(Guid runId, StreamId cursor, EventWriter stream, CancellationToken ct)
    {
        StreamEntry[] entries;
        try
        {
            entries = await redis.GetDatabase().StreamReadAsync(RunEvent.Key(runId), cursor.ToString(), count: RunEvent.MaxKept);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogRedisFailed(logger, e, runId);
            return (cursor, false);
        }

        var statusSeen = false;
        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            cursor = StreamId.TryParse(entry.Id.ToString(), out var id) ? id : cursor;
            if (RunEvent.Parse(entry[RunEvent.Field].ToString()) is not { } message)
            {
                continue;
            }

            if (message.Type == RunEventTypes.Status)
            {
                statusSeen = true;
            }
            else if (message is { Type: RunEventTypes.Step, Step: { } step, State: { } state })
            {
                await stream.StepAsync(new RunStep(step, state, message.Rows, message.Milliseconds), cursor, ct);
            }
        }

        return (cursor, statusSeen);
    }

    private async Task<StreamId> AwaitFinalEntryAsync(Guid runId, StreamId cursor, EventWriter stream, CancellationToken ct)
    {
        var deadline = time.GetTimestamp();
        while (time.GetElapsedTime(deadline) < FinalEntryGrace)
        {
            var (read, statusSeen) = await ReadEntriesAsync(runId, cursor, stream, ct);
            cursor = read;
            if (statusSeen)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
        }

        return cursor;
    }

    /// <summary>True when nudged; false after a poll interval without a nudge.</summary>
    private static async Task<bool> WaitAsync(ChannelReader<bool> nudges, CancellationToken ct)
    {
        using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
        tick.CancelAfter(PollInterval);
        try
        {
            await nudges.ReadAsync(tick.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed for the event stream of run {RunId}; it follows the catalog by polling")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception, Guid runId);

    /// <summary>A Redis stream entry id (<c>milliseconds-sequence</c>), the only ids a client may resume from.</summary>
    private readonly record struct StreamId(ulong Milliseconds, ulong Sequence)
    {
        public static readonly StreamId Start = new(0, 0);

        public static bool TryParse(string? text, out StreamId id)
        {
            id = Start;
            if (string.IsNullOrEmpty(text))
            {
                return false;
            }

            var dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0
                || !ulong.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                || !ulong.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return false;
            }

            id = new StreamId(ms, seq);
            return true;
        }

        public override string ToString() => $"{Milliseconds}-{Sequence}";
    }

    /// <summary>Writes the text/event-stream format, flushing each event so it leaves at once.</summary>
    private sealed class EventWriter(HttpContext context, TimeProvider time)
    {
        private long _lastWrite = time.GetTimestamp();

        public async Task StartAsync(TimeSpan reconnect, CancellationToken ct)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            // Tells nginx-style proxies not to hold the stream back in a buffer.
            response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync($"retry: {(long)reconnect.TotalMilliseconds}\n\n", ct);
        }

        public Task RunAsync(RunRecord run, StreamId cursor, bool final, CancellationToken ct) =>
            EventAsync("run", final ? EndId : cursor.ToString(), JsonSerializer.Serialize(Run.From(run), JsonSerializerOptions.Web), ct);

        public Task StepAsync(RunStep step, StreamId id, CancellationToken ct) =>
            EventAsync("step", id.ToString(), JsonSerializer.Serialize(step, JsonSerializerOptions.Web), ct);

        public Task HeartbeatIfIdleAsync(TimeSpan idle, CancellationToken ct) =>
            time.GetElapsedTime(_lastWrite) >= idle ? WriteAsync(": keep-alive\n\n", ct) : Task.CompletedTask;

        // Serialized JSON holds no raw line breaks, so one data line carries it whole.
        private Task EventAsync(string name, string id, string json, CancellationToken ct) =>
            WriteAsync($"id: {id}\nevent: {name}\ndata: {json}\n\n", ct);

        private async Task WriteAsync(string text, CancellationToken ct)
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
            await context.Response.Body.FlushAsync(ct);
            _lastWrite = time.GetTimestamp();
        }
    }
}

/// <summary>A step of a run as its event stream shows it.</summary>
/// <param name="State"><c>started</c>, <c>finished</c> or <c>failed</c>.</param>
/// <param name="Rows">For contract: rows read; for load: rows written.</param>
public sealed record RunStep(string Step, string State, long? Rows, long? Milliseconds);
