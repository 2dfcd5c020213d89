using Ductus.Core.Specs;
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

/// <summary>How late a dataset is against its freshness SLA: the level an alert is raised at.</summary>
public enum LatenessLevel
{
    None,
    Warn,
    Error,
}

/// <param name="WarnAt">When the dataset turns (or turned) late at level warn; null when that level is not set.</param>
/// <param name="ErrorAt">When the dataset turns (or turned) late at level error; null when that level is not set.</param>
public sealed record Lateness(LatenessLevel Level, DateTimeOffset? WarnAt, DateTimeOffset? ErrorAt);

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

    /// <summary>The schedule times after the last load that may pass before the default SLA warns, and errors.</summary>
    public const int MissedBeforeWarn = 2;

    /// <inheritdoc cref="MissedBeforeWarn"/>
    public const int MissedBeforeError = 4;

    /// <summary>
    /// The freshness SLA of a pipeline's dataset. With <paramref name="sla"/>, the age of the last
    /// load against its <c>warn_after</c> and <c>error_after</c>. Without it, a scheduled dataset is
    /// late (warn) once <see cref="MissedBeforeWarn"/> schedule times have passed since its last
    /// load with no new load, and at level error after <see cref="MissedBeforeError"/>, each plus
    /// <paramref name="grace"/> for the run that is due to take; counting schedule times, not a
    /// fixed interval, keeps a weekday-only cron from alerting every weekend.
    /// </summary>
    /// <param name="lastLoad">The last successful load; for a dataset never loaded, when its pipeline was created.</param>
    /// <param name="schedule">The pipeline's Quartz cron (UTC); without it and without an SLA nothing is late.</param>
    public static Lateness Lateness(DateTimeOffset lastLoad, string? schedule, FreshnessSpec? sla, DateTimeOffset now, TimeSpan grace)
    {
        DateTimeOffset? warnAt, errorAt;
        if (sla is not null)
        {
            warnAt = lastLoad + sla.WarnAfter;
            errorAt = lastLoad + sla.ErrorAfter;
        }
        else if (!string.IsNullOrWhiteSpace(schedule) && CronExpression.TryParse(schedule, out var parsed))
        {
            var cron = parsed.WithTimeZone(TimeZoneInfo.Utc);
            warnAt = NthTimeAfter(cron, lastLoad, MissedBeforeWarn) + grace;
            errorAt = NthTimeAfter(cron, lastLoad, MissedBeforeError) + grace;
        }
        else
        {
            return new Lateness(LatenessLevel.None, null, null);
        }

        var level = now >= errorAt ? LatenessLevel.Error : now >= warnAt ? LatenessLevel.Warn : LatenessLevel.None;
        return new Lateness(level, warnAt, errorAt);
    }

    private static DateTimeOffset? NthTimeAfter(CronExpression cron, DateTimeOffset after, int n)
    {
        DateTimeOffset? time = after;
        for (var i = 0; i < n && time is not null; i++)
        {
            time = cron.GetNextValidTimeAfter(time.Value);
        }

        return time;
    }
}
