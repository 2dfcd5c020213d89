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

        if (options.KeepSnapshots is < 1)
        {
            errors.Add($"{RetentionOptions.Section}:KeepSnapshots must be at least 1 (or unset to keep all), not {options.KeepSnapshots}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What one retention pass removed.</summary>
public sealed record RetentionResult(int SnapshotsExpired, long RejectsDeleted, CollectionResult Files);

/// <summary>
/// Periodic retention: expires old snapshots, deletes old rejects, then collects lake files no
/// snapshot references. A clustered Quartz job, so one node runs it per interval; collecting
/// last lets the files of the snapshots just expired go in the same pass.
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
            "Retention: {Snapshots} snapshots expired, {Rejects} rejects deleted, {Files} lake files ({Bytes} bytes) deleted, {Kept} unreferenced files kept within the grace period",
            result.SnapshotsExpired, result.RejectsDeleted, result.Files.FilesDeleted, result.Files.BytesDeleted, result.Files.FilesKept);
    }

    public async Task<RetentionResult> RunOnceAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var collector = new LakeGarbageCollector(db, lake.Value.Root, time);
        int expired = 0;
        long rejected = 0;
        foreach (var (workspace, _) in await catalog.Workspaces.ListAsync(ct))
        {
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
        return new RetentionResult(expired, rejected, files);
    }
}
