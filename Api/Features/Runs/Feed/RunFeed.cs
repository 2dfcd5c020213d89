using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ductus.Api.Features.Runs.Events;
using Ductus.Core.Catalog;
using Ductus.Core.Runs;

namespace Ductus.Api.Features.Runs.Feed;

/// <summary>
/// The workspace's run events as the server-sent events result writes them. A status event
/// becomes the run's catalog row with the status it announced (the row may already be further
/// along; the status is what the client orders by), a step event is passed on as it came.
/// </summary>
internal sealed partial class RunFeed(CatalogStore catalog, TimeProvider time, HttpResponse response, Func<Run, Run> view)
{
    public const string RedisDown = "Live run events need Redis, which is unavailable; read GET /api/runs instead.";

    private readonly EventPacer _pacer = new(time, response);

    public async IAsyncEnumerable<SseItem<string>> ReadAsync(Guid workspace, ChannelReader<string?> messages, [EnumeratorCancellation] CancellationToken ct)
    {
        // The headers and a first line at once, so the client knows it is connected (EventSource's open).
        await _pacer.KeepAliveAsync(ct);
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(EventPacer.HeartbeatInterval);
            string? message;
            try
            {
                message = await messages.ReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await _pacer.KeepAliveIfIdleAsync(ct);
                continue;
            }

            if (message is null)
            {
                yield return _pacer.Item("error", null, new { detail = RedisDown });
                yield break;
            }

            // Only this workspace's channel is read; the check keeps a mislabelled message out all the same.
            if (RunEvent.Parse(message) is not { } runEvent || runEvent.WorkspaceId != workspace)
            {
                continue;
            }

            if (runEvent.Type == RunEventTypes.Status)
            {
                // The catalog read is workspace-scoped (row-level security): another workspace's run id finds nothing.
                if (await catalog.Runs.GetAsync(workspace, runEvent.RunId, ct) is { } run)
                {
                    yield return _pacer.Item("run", null, view(Run.From(run)) with { Status = runEvent.Status ?? Run.Name(run.Status) });
                }
            }
            else if (runEvent is { Type: RunEventTypes.Step, Step: { } step, State: { } state })
            {
                yield return _pacer.Item("step", null, new FeedStep(runEvent.RunId, runEvent.Pipeline, step, state, runEvent.Rows, runEvent.Milliseconds));
            }

            await _pacer.KeepAliveIfIdleAsync(ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed for the run events of workspace {WorkspaceId}; answered 503")]
    internal static partial void LogRedisFailed(ILogger logger, Exception exception, Guid workspaceId);
}

/// <summary>A step of some run of the workspace.</summary>
/// <param name="State"><c>started</c>, <c>finished</c> or <c>failed</c>.</param>
/// <param name="Rows">For contract: rows read; for load: rows written.</param>
public sealed record FeedStep(Guid RunId, string? Pipeline, string Step, string State, long? Rows, long? Milliseconds);
