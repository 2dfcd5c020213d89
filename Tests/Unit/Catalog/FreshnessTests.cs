using Ductus.Core.Catalog;
using Ductus.Core.Specs;

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

    private static readonly DateTimeOffset Loaded = Created.AddHours(5);

    private static DatasetRecord WithSla(TimeSpan? warnAfter, TimeSpan? errorAfter, DateTimeOffset? lastLoad, string? schedule = "0 0 * * * ?") =>
        Dataset(schedule, lastLoad) with { Sla = new DatasetSla("flights", schedule, new FreshnessSpec(warnAfter, errorAfter), Created) };

    [Fact]
    public void With_an_sla_a_dataset_is_fresh_until_warn_after_even_past_its_schedule()
    {
        // Two schedule times missed: stale by the schedule rule, but the SLA allows 3h.
        var result = Freshness.Evaluate(WithSla(TimeSpan.FromHours(3), TimeSpan.FromHours(6), Loaded), Loaded.AddHours(2).AddMinutes(30), Tolerance);
        Assert.Equal((FreshnessStatus.Fresh, LatenessLevel.None), (result.Status, result.Level));
        Assert.Equal(Loaded.AddHours(3), result.DueBy);
        Assert.Equal("warn_after 3h, error_after 6h", Freshness.Describe(result.Sla!));
    }

    [Fact]
    public void With_an_sla_a_dataset_is_stale_at_warn_from_warn_after_and_at_error_from_error_after()
    {
        var dataset = WithSla(TimeSpan.FromHours(2), TimeSpan.FromHours(6), Loaded);
        var warn = Freshness.Evaluate(dataset, Loaded.AddHours(2), Tolerance);
        Assert.Equal((FreshnessStatus.Stale, LatenessLevel.Warn, Loaded.AddHours(2)), (warn.Status, warn.Level, warn.DueBy));
        var error = Freshness.Evaluate(dataset, Loaded.AddHours(6), Tolerance);
        Assert.Equal((FreshnessStatus.Stale, LatenessLevel.Error, Loaded.AddHours(2)), (error.Status, error.Level, error.DueBy));
        // The same answer the alerts get: one function decides.
        Assert.Equal(Freshness.Lateness(dataset.Sla!, Loaded, Loaded.AddHours(6), Tolerance).Level, error.Level);
    }

    [Fact]
    public void With_only_error_after_the_dataset_turns_stale_at_error_after()
    {
        var dataset = WithSla(null, TimeSpan.FromHours(4), Loaded, schedule: null);
        var before = Freshness.Evaluate(dataset, Loaded.AddHours(4).AddSeconds(-1), Tolerance);
        Assert.Equal((FreshnessStatus.Fresh, LatenessLevel.None, Loaded.AddHours(4)), (before.Status, before.Level, before.DueBy));
        var after = Freshness.Evaluate(dataset, Loaded.AddHours(4), Tolerance);
        Assert.Equal((FreshnessStatus.Stale, LatenessLevel.Error), (after.Status, after.Level));
        Assert.Equal("error_after 4h", Freshness.Describe(after.Sla!));
    }

    [Fact]
    public void With_an_sla_a_dataset_never_loaded_is_late_from_when_its_pipeline_was_created()
    {
        var result = Freshness.Evaluate(WithSla(TimeSpan.FromHours(1), null, null), Created.AddHours(2), Tolerance);
        Assert.Equal((FreshnessStatus.NeverLoaded, LatenessLevel.Warn, Created.AddHours(1)), (result.Status, result.Level, result.DueBy));
    }

    [Fact]
    public void Without_an_sla_block_the_schedule_rule_sets_the_status_and_the_alerts_rule_the_level()
    {
        var dataset = Dataset("0 0 * * * ?", Loaded.AddMinutes(1)) with { Sla = new DatasetSla("flights", "0 0 * * * ?", null, Created) };
        // One load missed (due 6:10): stale, as without any SLA; the alerts wait for two missed (7:10).
        var oneMissed = Freshness.Evaluate(dataset, Loaded.AddHours(1).AddMinutes(11), Tolerance);
        Assert.Equal(Freshness.Evaluate(dataset with { Sla = null }, Loaded.AddHours(1).AddMinutes(11), Tolerance) with { Level = LatenessLevel.None }, oneMissed);
        Assert.Equal((FreshnessStatus.Stale, LatenessLevel.None, Loaded.AddHours(1) + Tolerance, (FreshnessSpec?)null), (oneMissed.Status, oneMissed.Level, oneMissed.DueBy, oneMissed.Sla));
        var twoMissed = Freshness.Evaluate(dataset, Loaded.AddHours(2).AddMinutes(10), Tolerance);
        Assert.Equal((FreshnessStatus.Stale, LatenessLevel.Warn, Loaded.AddHours(1) + Tolerance), (twoMissed.Status, twoMissed.Level, twoMissed.DueBy));
    }
}
