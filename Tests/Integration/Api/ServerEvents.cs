using System.Text.Json;

namespace Ductus.Tests.Integration.Api;

/// <summary>One server-sent event: its id, its name (<c>message</c> when it has none) and its data as JSON.</summary>
internal sealed record ServerEvent(string? Id, string Name, JsonElement Data);

/// <summary>Reads the Api's text/event-stream answers as a browser's EventSource would.</summary>
internal static class ServerEvents
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Parses a text/event-stream; stops at its end, or after the event <paramref name="stopAfter"/> accepts.</summary>
    public static async Task<List<ServerEvent>> ReadAsync(Stream body, Func<ServerEvent, bool>? stopAfter = null)
    {
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var reader = new StreamReader(body);
        var events = new List<ServerEvent>();
        string? id = null, name = null, data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    var received = new ServerEvent(id, name ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                    events.Add(received);
                    if (stopAfter?.Invoke(received) == true)
                    {
                        return events;
                    }
                }

                (id, name, data) = (null, null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return events;
    }
}
