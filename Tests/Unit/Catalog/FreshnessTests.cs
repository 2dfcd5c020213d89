using Ductus.Core.Catalog;

namespace Ductus.Tests.Unit.Catalog;

public sealed class FreshnessTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(10);

    private static DatasetRecord Dataset(string? schedule, DateTimeOffset? lastLoad) =>
        new("flights", null, [], lastLoad is null ? null : 1, 0, 0, lastLoad, schedule, "flights", Created, Created);

    [Fact]
    public void An_hourly_dataset_loaded_this_hour_is_fresh()
    {
        var result = Freshness.Evaluate(Dataset("0 0 * * * ?", Created.AddHours(5).AddMinutes(1)), Created.AddHours(5).AddMinutes(30), Tolerance);
        Assert.Equal(FreshnessStatus.Fresh, result.Status);
        Assert.Equal(Created.AddHours(6) + Tolerance, result.DueBy);
    }

    [Fact]
    public void An_hourly_dataset_that_missed_a_load_is_stale()
    {
        var result = Freshness.Evaluate(Dataset("0 0 * * * ?", Created.AddHours(5).AddMinutes(1)), Created.AddHours(6).AddMinutes(11), Tolerance);
        Assert.Equal(FreshnessStatus.Stale, result.Status);
    }

    [Fact]
    public void The_tolerance_covers_a_run_in_progress()
    {
        var result = Freshness.Evaluate(Dataset("0 0 * * * ?", Created.AddHours(5).AddMinutes(1)), Created.AddHours(6).AddMinutes(9), Tolerance);
        Assert.Equal(FreshnessStatus.Fresh, result.Status);
    }

    [Fact]
    public void Without_a_readable_schedule_nothing_is_overdue()
    {
        Assert.Equal(FreshnessStatus.Unscheduled, Freshness.Evaluate(Dataset(null, Created), Created.AddYears(1), Tolerance).Status);
        Assert.Equal(FreshnessStatus.Unscheduled, Freshness.Evaluate(Dataset("not a cron", Created), Created.AddYears(1), Tolerance).Status);
    }

    [Fact]
    public void A_scheduled_dataset_without_a_load_says_so()
    {
        var result = Freshness.Evaluate(Dataset("0 0 * * * ?", null), Created.AddMinutes(5), Tolerance);
        Assert.Equal(FreshnessStatus.NeverLoaded, result.Status);
        Assert.Equal(Created.AddHours(1) + Tolerance, result.DueBy);
    }
}
