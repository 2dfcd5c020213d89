using Aspire.Hosting.ApplicationModel;

namespace Ductus.AppHost.Watch;

/// <summary>
/// The last log lines of each watched resource, kept from the moment the stack starts: a process
/// that fails says why in its last lines, and those are what the operator needs to see beside
/// its name, not a pointer to a dashboard that is about to stop with it.
/// </summary>
internal sealed class ResourceTails(ResourceLoggerService logs, int lines)
{
    private readonly Dictionary<string, Queue<string>> _tails = new(StringComparer.Ordinal);

    /// <summary>Follows <paramref name="resource"/>'s log until <paramref name="ct"/> ends.</summary>
    public async Task FollowAsync(IResource resource, CancellationToken ct)
    {
        var tail = new Queue<string>(lines);
        lock (_tails)
        {
            _tails[resource.Name] = tail;
        }

        try
        {
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(ct))
            {
                lock (tail)
                {
                    foreach (var line in batch)
                    {
                        if (tail.Count == lines)
                        {
                            tail.Dequeue();
                        }

                        tail.Enqueue(line.Content);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The last lines of <paramref name="resource"/> (oldest first), empty when it said nothing.</summary>
    public IReadOnlyList<string> Last(string resource)
    {
        Queue<string>? tail;
        lock (_tails)
        {
            _tails.TryGetValue(resource, out tail);
        }

        if (tail is null)
        {
            return [];
        }

        lock (tail)
        {
            return [.. tail];
        }
    }
}
