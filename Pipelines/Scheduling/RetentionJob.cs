using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Pipelines.Lake;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

/// <summary>Lake and reject retention (<c>Ductus:Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Ductus:Retention";

    public bool Enabled { get; set; } = true;

    /// <summary>How often retention runs (on one node of the cluster).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Unreferenced lake files younger than this are kept: a run writes its files before it
    /// commits them, so this must exceed the longest run (its spec timeout).
    /// </summary>
    public TimeSpan FileGrace { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Rejected rows older than this are deleted; null keeps them forever.</summary>
    public TimeSpan? RejectsMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Snapshots kept per dataset (the current one always is); null keeps every snapshot for time travel.</summary>
    public int? KeepSnapshots { get; set; }

    /// <summary>
    /// Archived pipelines and datasets older than this are purged for good (audited as
    /// <c>system:retention</c>); null keeps them until an admin purges them.
    /// </summary>
    public TimeSpan? ArchivedFor { get; set; } = TimeSpan.FromDays(30);
}

public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{RetentionOptions.Section}:Interval must be at least 1 s, not {options.Interval}.");
        }

        if (options.FileGrace < TimeSpan.Zero)
        {
            errors.Add($"{RetentionOptions.Section}:FileGrace must not be negative, not {options.FileGrace}.");
        }

        if (options.RejectsMaxAge is { } age && age <= TimeSpan.Zero)
        {
            errors.Add($"{RetentionOptions.Section}:RejectsMaxAge must be positive (or unset to keep rejects), not {age}.");
        }

        if (options.ArchivedFor is { } archived && archived < TimeSpan.Zero)
        {
            errors.Add($"{RetentionOptions.Section}:ArchivedFor must not be negative (or unset to keep archived items), not {archived}.");
        }

        if (options.KeepSnapshots is < 1)
        {
            errors.Add($"{RetentionOptions.Section}:KeepSnapshots must be at least 1 (or unset to keep all), not {options.KeepSnapshots}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What one retention pass removed.</summary>
public sealed record RetentionResult(int SnapshotsExpired, long RejectsDeleted, CollectionResult Files)
{
    /// <summary>Archived pipelines and datasets purged because they were archived longer than <see cref="RetentionOptions.ArchivedFor"/>.</summary>
    public int ArchivedPurged { get; init; }
}

/// <summary>
/// Periodic retention: purges pipelines and datasets archived too long, expires old snapshots,
/// deletes old rejects, then collects lake files no snapshot references. A clustered Quartz job,
/// so one node runs it per interval; collecting last lets the files of the datasets just purged
/// and the snapshots just expired go in the same pass.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(
    NpgsqlDataSource db,
    CatalogStore catalog,
    RejectStore rejects,
    IOptions<RetentionOptions> options,
    IOptions<LakeOptions> lake,
    TimeProvider time,
    ILogger<RetentionJob> logger) : IJob
{
    public static readonly JobKey Key = new("retention", "ductus");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var result = await RunOnceAsync(cancellationToken);
        logger.LogInformation(
            "Retention: {Archived} archived items purged, {Snapshots} snapshots expired, {Rejects} rejects deleted, {Files} lake files ({Bytes} bytes) deleted, {Kept} unreferenced files kept within the grace period",
            result.ArchivedPurged, result.SnapshotsExpired, result.RejectsDeleted, result.Files.FilesDeleted, result.Files.BytesDeleted, result.Files.FilesKept);
    }

    public async Task<RetentionResult> RunOnceAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var collector = new LakeGarbageCollector(db, lake.Value.Root, time);
        int expired = 0, purged = 0;
        long rejected = 0;
        foreach (var (workspace, _) in await catalog.Workspaces.ListAsync(ct))
        {
            if (settings.ArchivedFor is { } archivedFor)
            {
                purged += await PurgeArchivedAsync(workspace, time.GetUtcNow() - archivedFor, ct);
            }

            if (settings.KeepSnapshots is { } keep)
            {
                foreach (var dataset in await catalog.Datasets.ListAsync(workspace, ct))
                {
                    expired += await collector.ExpireSnapshotsAsync(workspace, dataset.Name, keep, ct);
                }
            }

            if (settings.RejectsMaxAge is { } age)
            {
                rejected += await rejects.DeleteOlderThanAsync(workspace, time.GetUtcNow() - age, ct);
            }
        }

        var files = await collector.CollectAsync(settings.FileGrace, ct);
        return new RetentionResult(expired, rejected, files) { ArchivedPurged = purged };
    }

    /// <summary>
    /// Purges what was archived before <paramref name="before"/>. One that was restored or purged
    /// between the listing and its purge is left alone: the purge checks again in its transaction.
    /// </summary>
    private async Task<int> PurgeArchivedAsync(Guid workspace, DateTimeOffset before, CancellationToken ct)
    {
        var purged = 0;
        foreach (var pipeline in await catalog.Pipelines.ListArchivedAsync(workspace, before, ct))
        {
            var outcome = await catalog.Pipelines.PurgeAsync(workspace, pipeline.Name, Audit(AuditActions.PipelinePurged, pipeline), ct);
            purged += outcome == ArchiveOutcome.Done ? 1 : 0;
        }

        foreach (var dataset in await catalog.Datasets.ListArchivedAsync(workspace, before, ct))
        {
            var outcome = await catalog.Datasets.PurgeAsync(workspace, dataset.Name, Audit(AuditActions.DatasetPurged, dataset), ct);
            purged += outcome == ArchiveOutcome.Done ? 1 : 0;
        }

        return purged;

        AuditEntry Audit(string action, ArchivedItem item) =>
            new(AuditActors.Retention, action, item.Name, After: new { archivedFor = options.Value.ArchivedFor?.ToString() });
    }
}
