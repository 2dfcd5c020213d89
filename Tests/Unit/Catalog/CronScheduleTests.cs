using Ductus.Core.Catalog;

namespace Ductus.Tests.Unit.Catalog;

public sealed class CronScheduleTests
{
    [Fact]
    public void The_next_fire_time_is_the_next_cron_instant_in_utc_strictly_after()
    {
        var at = new DateTimeOffset(2026, 12, 5, 21, 7, 30, TimeSpan.FromHours(2));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 19, 10, 0, TimeSpan.Zero), CronSchedule.NextAfter("0 */10 * * * ?", at));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 19, 20, 0, TimeSpan.Zero), CronSchedule.NextAfter("0 */10 * * * ?", new DateTimeOffset(2026, 12, 5, 19, 10, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), CronSchedule.NextAfter("0 0 0 * * ?", at));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a cron")]
    [InlineData("0 0 0 1 1 ? 2020")]
    public void No_schedule_an_unreadable_one_or_one_without_a_future_time_has_none(string? cron) =>
        Assert.Null(CronSchedule.NextAfter(cron, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero)));
}
