using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Ductus.Pipelines.Lake;

/// <summary>
/// Datasets waiting for <see cref="LakeCompactor"/>, compacted one at a time in the background.
/// A dataset asked for again while it waits is queued once; asked for while it is being
/// compacted, it is queued again, so files committed during a compaction are looked at after it.
/// </summary>
public sealed class BackgroundCompaction(LakeCompactor compactor, ILogger<BackgroundCompaction> logger)
{
    private readonly Channel<Pending> _requests = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Pending, byte> _waiting = new();

    /// <summary>Below this many files a dataset cannot have a full tier, so an append asks for nothing.</summary>
    public int FilesPerTier => compactor.FilesPerTier;

    /// <summary>Datasets queued and not yet picked up: the compaction backlog gauge.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Compactions done since start; for tests and logs.</summary>
    public int Completed => _completed;

    private int _completed;

    public void Request(Guid workspaceId, string workspace, string dataset)
    {
        var request = new Pending(workspaceId, workspace, dataset);
        if (_waiting.TryAdd(request, 0))
        {
            _requests.Writer.TryWrite(request);
        }
    }

    /// <summary>Works through the requests until <paramref name="ct"/> is cancelled; one failure never stops it.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var request in _requests.Reader.ReadAllAsync(ct))
            {
                _waiting.TryRemove(request, out _);
                try
                {
                    var commits = await compactor.CompactAsync(request.WorkspaceId, request.Workspace, request.Dataset, ct);
                    Interlocked.Add(ref _completed, commits.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The dataset stays readable as it was; the next append asks again.
                    logger.LogWarning(e, "Compaction of {Workspace}/{Dataset} failed", request.Workspace, request.Dataset);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: a compaction cut short wrote nothing the catalog lists.
        }
    }

    private sealed record Pending(Guid WorkspaceId, string Workspace, string Dataset);
}
