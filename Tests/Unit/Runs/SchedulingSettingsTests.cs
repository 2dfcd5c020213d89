using Ductus.Core.Telemetry;
using Ductus.Pipelines.Scheduling;
using Quartz.Diagnostics;

namespace Ductus.Tests.Unit.Runs;

public sealed class SchedulingSettingsTests
{
    [Fact]
    public void Service_defaults_subscribe_to_the_names_quartz_publishes_its_spans_and_metrics_on()
    {
        Assert.Equal(QuartzInstrumentation.ActivitySourceName, DuctusTelemetry.Quartz);
        Assert.Equal(QuartzInstrumentation.MeterName, DuctusTelemetry.Quartz);
    }

    [Fact]
    public void Cluster_and_misfire_timings_below_100_ms_are_refused_by_name()
    {
        var result = new PipelinesOptionsValidator().Validate(null, new PipelinesOptions { ClusterCheckinInterval = TimeSpan.Zero, MisfireThreshold = TimeSpan.FromMilliseconds(10) });

        Assert.True(result.Failed);
        Assert.Contains("Ductus:Pipelines:ClusterCheckinInterval must be at least 100 ms", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Pipelines:MisfireThreshold must be at least 100 ms", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new PipelinesOptionsValidator().Validate(null, new PipelinesOptions()).Succeeded);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(16, true)]
    public void Compaction_is_off_at_zero_and_otherwise_needs_at_least_two_files_per_tier(int filesPerTier, bool valid)
    {
        var result = new PipelinesOptionsValidator().Validate(null, new PipelinesOptions { CompactFilesPerTier = filesPerTier });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"Ductus:Pipelines:CompactFilesPerTier must be 0 (off) or at least 2, not {filesPerTier}", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Retention_settings_that_would_delete_everything_or_nothing_sensible_are_refused()
    {
        var result = new RetentionOptionsValidator().Validate(null, new RetentionOptions { KeepSnapshots = 0, RejectsMaxAge = TimeSpan.Zero, Interval = TimeSpan.Zero });

        Assert.Contains("Ductus:Retention:KeepSnapshots must be at least 1", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Retention:RejectsMaxAge must be positive", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Retention:Interval must be at least 1 s", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new RetentionOptionsValidator().Validate(null, new RetentionOptions()).Succeeded);
    }
}
