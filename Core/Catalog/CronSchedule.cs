using Quartz;

namespace Ductus.Core.Catalog;

/// <summary>
/// A spec's Quartz cron <c>schedule</c> read as the scheduler reads it (in UTC, as
/// <c>Pipelines/Scheduling/ScheduleSync.cs</c> builds its triggers), for services that only need
/// to know when it fires, not to fire it.
/// </summary>
public static class CronSchedule
{
    /// <summary>The first fire time strictly after <paramref name="after"/>; null for no schedule, an unreadable one or one with no future time.</summary>
    public static DateTimeOffset? NextAfter(string? cron, DateTimeOffset after)
    {
        if (string.IsNullOrWhiteSpace(cron) || !CronExpression.TryParse(cron, out var parsed))
        {
            return null;
        }

        return parsed.WithTimeZone(TimeZoneInfo.Utc).GetNextValidTimeAfter(after);
    }
}
