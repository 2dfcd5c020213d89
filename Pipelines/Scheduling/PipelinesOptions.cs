using Ductus.Core.Specs;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Scheduling;

/// <summary>The Pipelines service's settings (<c>Ductus:Pipelines</c>).</summary>
public sealed class PipelinesOptions
{
    public const string Section = "Ductus:Pipelines";

    /// <summary>Folder of spec files (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>) kept in step with the catalog.</summary>
    public string Folder { get; set; } = string.Empty;

    /// <summary>Workspace the folder's specs belong to.</summary>
    public string Workspace { get; set; } = "default";

    /// <summary>How often queued runs (created through the API) are looked for, besides the Redis nudge.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often every node checks every workspace's pipelines against the scheduler. A change
    /// made through the Api reaches the scheduler within a second over Redis; this sweep is what
    /// makes it certain when that notice is lost (Redis down, a node restarting).
    /// </summary>
    public TimeSpan ScheduleSweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a running run checks whether it was cancelled.</summary>
    public TimeSpan CancelCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Run a scheduled pipeline at once when its dataset has never been loaded, instead of waiting for the first cron time.</summary>
    public bool RunNeverLoadedAtStart { get; set; } = true;

    /// <summary>How often a node records in the job store that it is alive (Quartz's default, 7.5 s).</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromMilliseconds(7500);

    /// <summary>
    /// How long past a missed check-in the other nodes wait before declaring a node dead and
    /// re-running its runs (Quartz's default, 7.5 s). A dead node's run is taken over after about
    /// interval + threshold; raise both past the worst pause (GC, VM migration, database failover).
    /// </summary>
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromMilliseconds(7500);

    /// <summary>
    /// How late a cron time may be fired before it counts as missed. Missed times fire once, now
    /// (not once per missed time), so this is kept well below Quartz's 60 s: with 60 s, a scheduler
    /// back after 30 s of downtime would fire every one of a 5-second cron's missed times in a row.
    /// </summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most records one run of an ingest pipeline drains (whole batches). After a backlog the
    /// drains come in runs of about this size, each committed as it finishes, instead of one run
    /// that holds everything and the freshness of every newer push.
    /// </summary>
    public long MaxIngestRecordsPerRun { get; set; } = 500_000;

    /// <summary>
    /// How many files of one size tier are folded into one by the background compactor
    /// (<c>Core/Lake/LakeCompaction.cs</c>); 0 turns compaction off. Fewer means fewer files per
    /// query and more rewriting.
    /// </summary>
    public int CompactFilesPerTier { get; set; } = 16;

    /// <summary>
    /// How long one firing of an ingest pipeline keeps draining while records wait, starting the
    /// next drain as soon as one commits; then it ends, and the next push or the schedule fires it
    /// again (so shutdown and the cluster's fairness are never held up for long). Zero drains
    /// once per firing.
    /// </summary>
    public TimeSpan BackToBackDrainsFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>DuckDB memory limit of a run whose spec sets no <c>memory_limit</c>; above it the run spills to its scratch folder.</summary>
    public string RunMemoryLimit { get; set; } = "1GB";
}

public sealed class PipelinesOptionsValidator : IValidateOptions<PipelinesOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:PollInterval must be positive, not {options.PollInterval}.");
        }

        if (options.ScheduleSweepInterval <= TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:ScheduleSweepInterval must be positive, not {options.ScheduleSweepInterval}.");
        }

        if (options.MaxIngestRecordsPerRun <= 0)
        {
            errors.Add($"{PipelinesOptions.Section}:MaxIngestRecordsPerRun must be positive, not {options.MaxIngestRecordsPerRun}.");
        }

        if (options.CompactFilesPerTier is < 0 or 1)
        {
            errors.Add($"{PipelinesOptions.Section}:CompactFilesPerTier must be 0 (off) or at least 2, not {options.CompactFilesPerTier}.");
        }

        if (options.BackToBackDrainsFor < TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:BackToBackDrainsFor must be zero (one drain per firing) or positive, not {options.BackToBackDrainsFor}.");
        }

        if (options.CancelCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:CancelCheckInterval must be positive, not {options.CancelCheckInterval}.");
        }

        if (MemorySize.Problem(options.RunMemoryLimit) is { } memory)
        {
            errors.Add($"{PipelinesOptions.Section}:RunMemoryLimit: {memory}.");
        }

        foreach (var (setting, value) in new[]
        {
            (nameof(options.ClusterCheckinInterval), options.ClusterCheckinInterval),
            (nameof(options.ClusterCheckinMisfireThreshold), options.ClusterCheckinMisfireThreshold),
            (nameof(options.MisfireThreshold), options.MisfireThreshold),
        })
        {
            if (value < TimeSpan.FromMilliseconds(100))
            {
                errors.Add($"{PipelinesOptions.Section}:{setting} must be at least 100 ms, not {value}.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Workspace))
        {
            errors.Add($"{PipelinesOptions.Section}:Workspace is required.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
