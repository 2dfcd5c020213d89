using Ductus.Core.Catalog;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Alerts;

public sealed class FreshnessSlaTests
{
    private static readonly DateTimeOffset Loaded = new(2031, 3, 4, 10, 5, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_freshness_block_parses_validates_and_writes_back_the_same()
    {
        var parsed = SpecParser.ParseYaml("""
            name: orders
            source: { kind: csv, path: a.csv }
            target: { dataset: orders }
            freshness: { warn_after: 2h, error_after: 6h }
            """);

        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        Assert.Equal(new FreshnessSpec(TimeSpan.FromHours(2), TimeSpan.FromHours(6)), parsed.Spec!.Freshness);
        var again = SpecParser.ParseJson(SpecWriter.ToJson(parsed.Spec));
        Assert.Equal(parsed.Spec.Freshness, again.Spec!.Freshness);
        Assert.Contains("\"freshness\": {", SpecWriter.ToJson(parsed.Spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ warn_after: 6h, error_after: 2h }", "freshness.error_after: must be longer than warn_after (6h)")]
    [InlineData("{ warn_after: 30s }", "freshness.warn_after: must be between 1m and 365d")]
    [InlineData("{ error_after: 400d }", "freshness.error_after: must be between 1m and 365d")]
    [InlineData("{ }", "freshness: needs warn_after, error_after or both")]
    [InlineData("{ warn_after: soon }", "freshness.warn_after: 'soon' is not a duration (use e.g. 500ms, 30s, 30m, 2h, 1d, 1h30m)")]
    [InlineData("{ warn: 2h }", "freshness.warn: unknown key (expected one of: warn_after, error_after)")]
    public void A_bad_freshness_block_is_refused_naming_the_key(string block, string error)
    {
        var errors = SpecValidator.ValidateYaml($"""
            name: orders
            source: {"{"} kind: csv, path: a.csv {"}"}
            target: {"{"} dataset: orders {"}"}
            freshness: {block}
            """, SourceRoots.None).Select(e => e.ToString());

        Assert.Contains(error, errors);
    }

    [Theory]
    [InlineData(119, LatenessLevel.None)]
    [InlineData(120, LatenessLevel.Warn)]
    [InlineData(359, LatenessLevel.Warn)]
    [InlineData(360, LatenessLevel.Error)]
    public void An_sla_compares_the_age_of_the_last_load_with_warn_after_and_error_after(int minutes, LatenessLevel level)
    {
        var sla = new FreshnessSpec(TimeSpan.FromHours(2), TimeSpan.FromHours(6));

        var lateness = Freshness.Lateness(Loaded, "0 0 * * * ?", sla, Loaded.AddMinutes(minutes), Grace);

        Assert.Equal(new Lateness(level, Loaded.AddHours(2), Loaded.AddHours(6)), lateness);
    }

    [Fact]
    public void An_sla_with_one_level_never_raises_the_other()
    {
        Assert.Equal(LatenessLevel.Warn, Freshness.Lateness(Loaded, null, new FreshnessSpec(TimeSpan.FromHours(1), null), Loaded.AddDays(30), Grace).Level);
        Assert.Equal(LatenessLevel.None, Freshness.Lateness(Loaded, null, new FreshnessSpec(null, TimeSpan.FromHours(1)), Loaded.AddMinutes(59), Grace).Level);
    }

    [Fact]
    public void Without_an_sla_the_second_missed_schedule_time_warns_and_the_fourth_errors()
    {
        // Loaded 10:05 on an hourly schedule: 11:00 and 12:00 missed, plus the grace, is 12:10.
        var lateness = Freshness.Lateness(Loaded, "0 0 * * * ?", null, Loaded.AddHours(2), Grace);

        Assert.Equal(new Lateness(LatenessLevel.None, Loaded.Date.AddHours(12).AddMinutes(10), Loaded.Date.AddHours(14).AddMinutes(10)), lateness);
        Assert.Equal(LatenessLevel.Warn, Freshness.Lateness(Loaded, "0 0 * * * ?", null, Loaded.AddMinutes(125), Grace).Level);
        Assert.Equal(LatenessLevel.Error, Freshness.Lateness(Loaded, "0 0 * * * ?", null, Loaded.AddMinutes(245), Grace).Level);
    }

    [Fact]
    public void A_weekday_schedule_is_not_late_over_the_weekend()
    {
        // Friday 2031-03-07 06:30 load on a weekday 06:00 schedule: Monday and Tuesday are the two missed times.
        var friday = new DateTimeOffset(2031, 3, 7, 6, 30, 0, TimeSpan.Zero);

        Assert.Equal(LatenessLevel.None, Freshness.Lateness(friday, "0 0 6 ? * MON-FRI", null, friday.AddDays(3), Grace).Level);
        Assert.Equal(LatenessLevel.Warn, Freshness.Lateness(friday, "0 0 6 ? * MON-FRI", null, new DateTimeOffset(2031, 3, 11, 6, 11, 0, TimeSpan.Zero), Grace).Level);
    }

    [Fact]
    public void Without_an_sla_or_a_schedule_nothing_is_late()
    {
        Assert.Equal(new Lateness(LatenessLevel.None, null, null), Freshness.Lateness(Loaded, null, null, Loaded.AddYears(1), Grace));
        Assert.Equal(LatenessLevel.None, Freshness.Lateness(Loaded, "not a cron", null, Loaded.AddYears(1), Grace).Level);
    }
}
