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

/// <param name="DueBy">When the next load is (or was) expected, tolerance included; null when unscheduled. With an SLA: when the last load turns (or turned) late by it.</param>
public sealed record DatasetFreshness(FreshnessStatus Status, DateTimeOffset? LastLoadedAt, DateTimeOffset? DueBy)
{
    /// <summary>How late the dataset is by the rule its freshness alerts use (<see cref="Freshness.Lateness(DatasetSla, DateTimeOffset?, DateTimeOffset, TimeSpan)"/>).</summary>
    public LatenessLevel Level { get; init; }

    /// <summary>The pipeline spec's <c>freshness</c> block the status follows; null when the schedule rule applies.</summary>
    public FreshnessSpec? Sla { get; init; }

    /// <summary>
    /// The pipeline whose SLA or schedule the status follows: the one that sets the dataset's SLA
    /// (<see cref="DatasetRecord.Sla"/>), else the one that last loaded it.
    /// </summary>
    public string? Pipeline { get; init; }

    /// <summary>The schedule the status and level follow: the SLA's pipeline's, else the one the dataset was last loaded on.</summary>
    public string? Schedule { get; init; }
}

/// <summary>
/// What a dataset's freshness is checked against: the <c>freshness</c> block or the schedule of
/// the pipeline <see cref="DatasetSlas"/> chooses, for the dataset read side and the freshness
/// alerts alike.
/// </summary>
/// <param name="Since">When the pipeline was created: a dataset never loaded counts as late from then.</param>
public sealed record DatasetSla(string Pipeline, string? Schedule, FreshnessSpec? Freshness, DateTimeOffset Since);

public static class Freshness
{
    /// <summary>
    /// How fresh a dataset is. When its <see cref="DatasetRecord.Sla"/> has a <c>freshness</c>
    /// block, by that block, exactly as its alerts judge it: stale from the time
    /// <see cref="Lateness(DatasetSla, DateTimeOffset?, DateTimeOffset, TimeSpan)"/> says it turns
    /// late. Otherwise compares the last successful load with a Quartz cron schedule (evaluated in
    /// UTC): the SLA's pipeline's, so that status and level follow one pipeline when several load
    /// the dataset, else the dataset's expected schedule. <paramref name="tolerance"/> is how long
    /// a scheduled run may take before the dataset counts as stale (and the grace of the alerts'
    /// schedule rule).
    /// </summary>
    public static DatasetFreshness Evaluate(DatasetRecord dataset, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var lateness = dataset.Sla is { } sla ? Lateness(sla, dataset.LastLoadedAt, now, tolerance) : new Lateness(LatenessLevel.None, null, null);
        var pipeline = dataset.Sla?.Pipeline ?? dataset.Pipeline;
        var schedule = dataset.Sla is { } chosen ? chosen.Schedule : dataset.ExpectedSchedule;
        if (dataset.Sla?.Freshness is { } spec)
        {
            var status = dataset.LastLoadedAt is null ? FreshnessStatus.NeverLoaded
                : lateness.Level == LatenessLevel.None ? FreshnessStatus.Fresh : FreshnessStatus.Stale;
            return new DatasetFreshness(status, dataset.LastLoadedAt, lateness.WarnAt ?? lateness.ErrorAt)
            {
                Level = lateness.Level,
                Sla = spec,
                Pipeline = pipeline,
                Schedule = schedule,
            };
        }

        return BySchedule(dataset, schedule, now, tolerance) with { Level = lateness.Level, Pipeline = pipeline, Schedule = schedule };
    }

    private static DatasetFreshness BySchedule(DatasetRecord dataset, string? schedule, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(schedule) || !CronExpression.TryParse(schedule, out var parsed))
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

    /// <summary>
    /// How long a run due at a schedule time may take before the dataset counts as late, unless
    /// configured: the default of both the Api's tolerance and the alerts' grace, which the
    /// AppHost sets from one setting (<c>Ductus:Alerts:FreshnessGrace</c>).
    /// </summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(10);

    /// <summary>The schedule times after the last load that may pass before the default SLA warns, and errors.</summary>
    public const int MissedBeforeWarn = 2;

    /// <inheritdoc cref="MissedBeforeWarn"/>
    public const int MissedBeforeError = 4;

    /// <summary>The lateness of a dataset checked against <paramref name="sla"/>; <paramref name="lastLoad"/> null when never loaded.</summary>
    public static Lateness Lateness(DatasetSla sla, DateTimeOffset? lastLoad, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(sla);
        return Lateness(lastLoad ?? sla.Since, sla.Schedule, sla.Freshness, now, grace);
    }

    /// <summary>An SLA in the spec's words, as alerts and the API name it: <c>warn_after 2h, error_after 6h</c>.</summary>
    public static string Describe(FreshnessSpec sla)
    {
        ArgumentNullException.ThrowIfNull(sla);
        return string.Join(", ", new[]
        {
            sla.WarnAfter is { } w ? $"warn_after {Durations.Format(w)}" : null,
            sla.ErrorAfter is { } e ? $"error_after {Durations.Format(e)}" : null,
        }.OfType<string>());
    }

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
