using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Samples at most <c>tracesPerSecond</c> new root traces per second per process (a token
/// bucket holding one second's worth), so a quiet service still traces every request while a
/// busy one spends bounded CPU on spans and their export. Used as the root sampler of a
/// <see cref="ParentBasedSampler"/>: a trace that was sampled upstream stays whole.
/// </summary>
public sealed class RateLimitedSampler : Sampler
{
    private readonly double perTick;
    private readonly double capacity;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private double tokens;
    private long last;

    public RateLimitedSampler(double tracesPerSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tracesPerSecond);
        this.time = time ?? TimeProvider.System;
        perTick = tracesPerSecond / this.time.TimestampFrequency;
        capacity = Math.Max(1, tracesPerSecond);
        tokens = tracesPerSecond > 0 ? capacity : 0;
        last = this.time.GetTimestamp();
        Description = $"RateLimitedSampler{{{tracesPerSecond}/s}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (perTick == 0)
        {
            return new SamplingResult(SamplingDecision.Drop);
        }

        var now = time.GetTimestamp();
        lock (gate)
        {
            tokens = Math.Min(capacity, tokens + ((now - last) * perTick));
            last = now;
            if (tokens < 1)
            {
                return new SamplingResult(SamplingDecision.Drop);
            }

            tokens -= 1;
        }

        return new SamplingResult(SamplingDecision.RecordAndSample);
    }
}
