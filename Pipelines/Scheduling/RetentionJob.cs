using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Pipelines.Lake;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

/// <summary>Retention of the lake and of the catalog's own tables (<c>Ductus:Retention</c>).</summary>
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

    /// <summary>Ended runs older than this are deleted, unless a snapshot, rejects, a watermark or recency still needs them; null keeps every run.</summary>
    public TimeSpan? RunsMaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Ingest batches consumed longer ago than this are deleted (and their Idempotency-Key forgotten); null keeps them.</summary>
    public TimeSpan? IngestBatchesMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Alert delivery attempts older than this are deleted; null keeps them.</summary>
    public TimeSpan? AlertDeliveriesMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Audit rows older than this move to <c>audit_archive</c> (never deleted); null keeps them all in <c>audit_log</c>.</summary>
    public TimeSpan? AuditMaxAge { get; set; } = TimeSpan.FromDays(365);
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

        foreach (var (setting, value) in new[]
        {
            (nameof(options.RunsMaxAge), options.RunsMaxAge),
            (nameof(options.IngestBatchesMaxAge), options.IngestBatchesMaxAge),
            (nameof(options.AlertDeliveriesMaxAge), options.AlertDeliveriesMaxAge),
            (nameof(options.AuditMaxAge), options.AuditMaxAge),
        })
        {
            if (value is { } maxAge && maxAge < TimeSpan.FromHours(1))
            {
                errors.Add($"{RetentionOptions.Section}:{setting} must be at least 1 hour (or unset to keep the rows), not {maxAge}.");
            }
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

    public long RunsDeleted { get; init; }

    public long IngestBatchesDeleted { get; init; }

    public long AlertDeliveriesDeleted { get; init; }

    /// <summary>Audit rows moved from <c>audit_log</c> to <c>audit_archive</c>.</summary>
    public long AuditArchived { get; init; }
}

/// <summary>
/// Periodic retention: purges pipelines and datasets archived too long, expires old snapshots,
/// deletes old rejects, then the catalog's own history (<see cref="CatalogRetention"/>: runs
/// those left unreferenced, consumed ingest batches, alert deliveries; audit rows archived), then
/// collects lake files no snapshot references. A clustered Quartz job,
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
        logger.LogInformation(
            "Retention: {Runs} runs, {Batches} consumed ingest batches and {Deliveries} alert deliveries deleted, {Audit} audit rows moved to audit_archive",
            result.RunsDeleted, result.IngestBatchesDeleted, result.AlertDeliveriesDeleted, result.AuditArchived);
    }

    public async Task<RetentionResult> RunOnceAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var collector = new LakeGarbageCollector(db, lake.Value.Root, time);
        var history = new CatalogRetention(db);
        int expired = 0, purged = 0;
        long rejected = 0, runs = 0, batches = 0, deliveries = 0, audit = 0;
        var now = time.GetUtcNow();
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

            // After snapshots and rejects, so the runs they no longer hold go in this pass.
            runs += settings.RunsMaxAge is { } runAge ? await history.DeleteRunsAsync(workspace, now - runAge, ct) : 0;
            batches += settings.IngestBatchesMaxAge is { } batchAge ? await history.DeleteConsumedBatchesAsync(workspace, now - batchAge, ct) : 0;
            deliveries += settings.AlertDeliveriesMaxAge is { } deliveryAge ? await history.DeleteAlertDeliveriesAsync(workspace, now - deliveryAge, ct) : 0;
            audit += settings.AuditMaxAge is { } auditAge ? await history.ArchiveAuditAsync(workspace, now - auditAge, ct) : 0;
        }

        var files = await collector.CollectAsync(settings.FileGrace, ct);
        return new RetentionResult(expired, rejected, files)
        {
            ArchivedPurged = purged,
            RunsDeleted = runs,
            IngestBatchesDeleted = batches,
            AlertDeliveriesDeleted = deliveries,
            AuditArchived = audit,
        };
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
