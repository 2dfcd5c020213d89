using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Runs;
using StackExchange.Redis;

namespace Ductus.Api.Features.Runs.Events;

/// <summary>
/// The events of one watched run, for ASP.NET Core's server-sent events result to write. Every
/// <c>run</c> event is the catalog's row, re-read when a status entry arrives on the run's Redis
/// stream and at least every <see cref="PollInterval"/>; <c>step</c> events come from that stream.
/// Ids are the stream's entry ids, so a client that reconnects goes on after the last it saw.
/// </summary>
internal sealed partial class RunEventStream(CatalogStore catalog, IConnectionMultiplexer redis, TimeProvider time, ILogger logger, HttpResponse response, Func<Run, Run> view)
{
    /// <summary>The id of the last event, the run in its final state.</summary>
    public const string EndId = "end";

    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    // The runner appends its last step and then the final status right after the catalog commit;
    // a poll that sees the final row first waits this long for them.
    private static readonly TimeSpan FinalEntryGrace = TimeSpan.FromSeconds(1);

    private readonly EventPacer _pacer = new(time, response);

    public static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    public async IAsyncEnumerable<SseItem<string>> ReadAsync(
        Guid workspace, RunRecord run, string lastEventId, ChannelReader<bool> nudges, [EnumeratorCancellation] CancellationToken ct)
    {
        var cursor = StreamId.TryParse(lastEventId, out var resume) ? resume : StreamId.Start;
        RunStatus? shown = null;
        if (!IsFinal(run.Status))
        {
            yield return RunItem(run, cursor, final: false);
            shown = run.Status;
        }

        while (true)
        {
            var read = await ReadEntriesAsync(run.Id, cursor, ct);
            foreach (var step in read.Steps)
            {
                yield return step;
            }

            cursor = read.Cursor;
            if (read.StatusSeen || shown is null || await WaitAsync(nudges, ct) is false)
            {
                if (await catalog.Runs.GetAsync(workspace, run.Id, ct) is not { } now)
                {
                    // Deleted while watched (its workspace went away): nothing more will happen.
                    yield break;
                }

                if (IsFinal(now.Status))
                {
                    var since = time.GetTimestamp();
                    var statusSeen = read.StatusSeen;
                    while (!statusSeen && time.GetElapsedTime(since) < FinalEntryGrace)
                    {
                        var late = await ReadEntriesAsync(run.Id, cursor, ct);
                        foreach (var step in late.Steps)
                        {
                            yield return step;
                        }

                        (cursor, statusSeen) = (late.Cursor, late.StatusSeen);
                        if (!statusSeen)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
                        }
                    }

                    yield return RunItem(now, cursor, final: true);
                    yield break;
                }

                if (now.Status != shown)
                {
                    shown = now.Status;
                    yield return RunItem(now, cursor, final: false);
                }
            }

            await _pacer.KeepAliveIfIdleAsync(ct);
        }
    }

    /// <summary>The step entries after <paramref name="cursor"/> as events, and whether a status entry was among them.</summary>
    private async Task<Entries> ReadEntriesAsync(Guid runId, StreamId cursor, CancellationToken ct)
    {
        StreamEntry[] entries;
        try
        {
            entries = await redis.GetDatabase().StreamReadAsync(RedisChannels.RunEvents(runId), cursor.ToString(), count: RunEvent.MaxKept);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogRedisFailed(logger, e, runId);
            return new Entries([], cursor, false);
        }

        var steps = new List<SseItem<string>>();
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
                steps.Add(_pacer.Item("step", cursor.ToString(), new RunStep(step, state, message.Rows, message.Milliseconds)));
            }
        }

        return new Entries(steps, cursor, statusSeen);
    }

    private SseItem<string> RunItem(RunRecord run, StreamId cursor, bool final) =>
        _pacer.Item("run", final ? EndId : cursor.ToString(), view(Run.From(run)));

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed for the event stream of run {RunId}; it follows the catalog by polling")]
    internal static partial void LogRedisFailed(ILogger logger, Exception exception, Guid runId);

    private sealed record Entries(IReadOnlyList<SseItem<string>> Steps, StreamId Cursor, bool StatusSeen);

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
}
