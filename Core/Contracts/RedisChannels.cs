namespace Ductus.Core.Contracts;

/// <summary>
/// The Redis names the services share, each defined once: the publisher and the subscriber (or
/// the writer and the reader) take it from here. None of them carries data of record; the catalog
/// is the truth, so a lost message only delays what polling finds anyway.
/// </summary>
public static class RedisChannels
{
    /// <summary>The Api queued a run (<c>{workspaceId, runId, pipeline}</c>); the Pipelines service dispatches it at once.</summary>
    public const string RunQueued = "ductus:runs:queued";

    /// <summary>
    /// The Api cancelled a run (<c>{workspaceId, runId, pipeline}</c>), for outside listeners
    /// (docs/api.md). No service subscribes: the node running it finds the cancel in the catalog.
    /// </summary>
    public const string RunCancelled = "ductus:runs:cancel";

    /// <summary>A pipeline was created, changed or deleted (<see cref="Catalog.PipelineChange"/>); every Pipelines node syncs its trigger.</summary>
    public const string PipelineChanged = "ductus:pipelines:changed";

    /// <summary>The Api committed records for an ingest pipeline (<c>{workspaceId, dataset, pipeline}</c>); the Pipelines service drains them.</summary>
    public const string IngestBuffered = "ductus:ingest:buffered";

    /// <summary>
    /// One run's events (<see cref="Runs.RunEvent"/>): the Redis stream both services append to,
    /// and the pub/sub channel of the same name that nudges the Api's watchers when one is added.
    /// </summary>
    public static string RunEvents(Guid runId) => $"ductus:runs:{runId:N}:events";

    /// <summary>
    /// Every run event of one workspace (<see cref="Runs.RunEvent"/> carrying its workspace and
    /// pipeline), pub/sub only: the Api's workspace-wide stream relays them as they come and keeps
    /// none, since a runs list that missed one reads <c>GET /api/runs</c> again.
    /// </summary>
    public static string WorkspaceRunEvents(Guid workspaceId) => $"ductus:workspaces:{workspaceId:N}:runs";
}
