using Quartz;

namespace Ductus.Core.Catalog;

public enum FreshnessStatus
{
    /// <summary>The dataset has no expected schedule (or an unreadable one), so nothing is overdue.</summary>
    Unscheduled,

    /// <summary>A schedule is expected but no load has committed yet.</summary>
    NeverLoaded,

    /// <summary>The last load is newer than the latest scheduled time that has passed (plus tolerance).</summary>
    Fresh,

    /// <summary>A scheduled load is overdue.</summary>
    Stale,
}

/// <param name="DueBy">When the next load is (or was) expected, tolerance included; null when unscheduled.</param>
public sealed record DatasetFreshness(FreshnessStatus Status, DateTimeOffset? LastLoadedAt, DateTimeOffset? DueBy);

public static class Freshness
{
    /// <summary>
    /// Compares the last successful load with the dataset's expected Quartz cron schedule
    /// (evaluated in UTC). <paramref name="tolerance"/> is how long a scheduled run may take
    /// before the dataset counts as stale.
    /// </summary>
    public static DatasetFreshness Evaluate(DatasetRecord dataset, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (string.IsNullOrWhiteSpace(dataset.ExpectedSchedule) || !CronExpression.TryParse(dataset.ExpectedSchedule, out var parsed))
        {
            return new DatasetFreshness(FreshnessStatus.Unscheduled, dataset.LastLoadedAt, null);
        }

        var cron = parsed.WithTimeZone(TimeZoneInfo.Utc);
        if (dataset.LastLoadedAt is not { } last)
        {
            return new DatasetFreshness(FreshnessStatus.NeverLoaded, null, cron.GetNextValidTimeAfter(dataset.CreatedAt) + tolerance);
        }

        var next = cron.GetNextValidTimeAfter(last);
        if (next is null)
        {
            return new DatasetFreshness(FreshnessStatus.Fresh, last, null);
        }

        var dueBy = next.Value + tolerance;
        return new DatasetFreshness(now <= dueBy ? FreshnessStatus.Fresh : FreshnessStatus.Stale, last, dueBy);
    }
}
