using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Ductus.Tests.Unit.Telemetry;

public sealed class TraceSamplerTests
{
    [Fact]
    public void At_most_the_configured_number_of_root_traces_per_second_are_sampled()
    {
        var clock = new TickingClock();
        var sampler = new RateLimitedSampler(20, clock);

        Assert.Equal(20, Enumerable.Range(0, 100).Count(_ => Sampled(sampler, default)));

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(10, Enumerable.Range(0, 100).Count(_ => Sampled(sampler, default)));

        // An idle stretch refills one second's worth, not more: a burst after quiet is bounded too.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(20, Enumerable.Range(0, 100).Count(_ => Sampled(sampler, default)));
    }

    [Fact]
    public void A_quiet_service_traces_every_request()
    {
        var clock = new TickingClock();
        var sampler = new RateLimitedSampler(20, clock);
        for (var i = 0; i < 200; i++)
        {
            Assert.True(Sampled(sampler, default));
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void A_trace_sampled_upstream_stays_whole_and_one_dropped_upstream_stays_dropped()
    {
        var sampler = Extensions.TraceSampler(Settings("0"));
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var droppedParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);

        Assert.False(Sampled(sampler, default));
        Assert.True(Sampled(sampler, sampledParent));
        Assert.False(Sampled(sampler, droppedParent));
    }

    [Fact]
    public void The_tracer_provider_exports_only_the_capped_number_of_a_burst()
    {
        using var source = new ActivitySource("Ductus.Tests.Sampler." + Guid.NewGuid().ToString("N"));
        var exported = new List<Activity>();
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .SetSampler(Extensions.TraceSampler(Settings("5")))
            .AddSource(source.Name)
            .AddProcessor(new SimpleActivityExportProcessor(new CollectingExporter(exported)))
            .Build())
        {
            // 1,000 requests in one burst (far under a second): five root traces, each whole.
            for (var i = 0; i < 1000; i++)
            {
                using var request = source.StartActivity("request");
                using var step = source.StartActivity("step");
            }
        }

        Assert.InRange(exported.Count(a => a.Parent is null), 5, 6);
        Assert.Equal(exported.Count(a => a.Parent is null), exported.Count(a => a.Parent is not null));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public void A_bad_setting_is_refused_naming_the_key(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Extensions.TraceSampler(Settings(value)));
        Assert.Contains(Extensions.TracesPerSecondKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_five_per_second()
    {
        Assert.Equal(5, Extensions.DefaultTracesPerSecond);
        Assert.Contains("RateLimitedSampler{5/s}", Extensions.TraceSampler(Settings(null)).Description, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(string? perSecond) => new ConfigurationBuilder()
        .AddInMemoryCollection(perSecond is null ? [] : [new(Extensions.TracesPerSecondKey, perSecond)])
        .Build();

    private static bool Sampled(Sampler sampler, ActivityContext parent) =>
        sampler.ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), "GET /api/datasets", ActivityKind.Server))
            .Decision == SamplingDecision.RecordAndSample;

    private sealed class TickingClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private sealed class CollectingExporter(List<Activity> into) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                into.Add(activity);
            }

            return ExportResult.Success;
        }
    }
}
