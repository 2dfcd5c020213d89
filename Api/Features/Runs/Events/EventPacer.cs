using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Ductus.Api.Features.Runs.Events;

/// <summary>
/// What every server-sent event stream of the Api shares: events as one JSON data line, the
/// reconnect delay on the first, and a comment line when the stream has been idle long enough for
/// a proxy to cut it.
/// </summary>
internal sealed class EventPacer(TimeProvider time, HttpResponse response)
{
    // Below the 30–60 s idle timeouts common in proxies and load balancers.
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(3);

    // A comment line: EventSource ignores it, proxies see bytes. SseItem has no comments, so this
    // one line is written by hand, between two events, when the formatter has flushed the last.
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    private long _lastEvent = time.GetTimestamp();
    private bool _retrySent;

    // Serialized JSON holds no raw line breaks, so the formatter writes it as one data line.
    public SseItem<string> Item<T>(string name, string? id, T data)
    {
        _lastEvent = time.GetTimestamp();
        var item = new SseItem<string>(JsonSerializer.Serialize(data, JsonSerializerOptions.Web), name) { EventId = id };
        if (_retrySent)
        {
            return item;
        }

        _retrySent = true;
        return item with { ReconnectionInterval = ReconnectDelay };
    }

    public Task KeepAliveIfIdleAsync(CancellationToken ct) =>
        time.GetElapsedTime(_lastEvent) < HeartbeatInterval ? Task.CompletedTask : KeepAliveAsync(ct);

    /// <summary>
    /// Writes a comment line now. The server-sent events result has set its headers before it
    /// asks for the first event, so this may also be what sends them.
    /// </summary>
    public async Task KeepAliveAsync(CancellationToken ct)
    {
        await response.Body.WriteAsync(KeepAlive, ct);
        await response.Body.FlushAsync(ct);
        _lastEvent = time.GetTimestamp();
    }
}
