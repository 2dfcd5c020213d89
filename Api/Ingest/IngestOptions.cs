using Microsoft.Extensions.Options;

namespace Ductus.Api.Ingest;

/// <summary>Configuration section <c>Ductus:Ingest</c>: limits of <c>POST /api/datasets/{name}/records</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ductus:Ingest";

    /// <summary>Largest body one push may have, in bytes (<c>Ductus:Api:MaxRequestBodyBytes</c> caps every request as well).</summary>
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Records a dataset may hold acknowledged but not yet drained; above it pushes get 503 with Retry-After.</summary>
    public long MaxBufferedRecords { get; set; } = 5_000_000;

    /// <summary>What Retry-After tells a client refused by back-pressure.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the oldest record waiting for the dataset was acknowledged longer ago than this, the
    /// drains are behind: a push then waits (up to <see cref="MaxPaceDelay"/>) for them before it
    /// writes, so producers slow to the speed the lake can load instead of growing the lag.
    /// Zero turns pacing off. Two seconds, not three: under the ingest benchmark a 2 s bound kept
    /// the same acknowledged rate and brought freshness p95 from 2.99–3.40 s to 2.12–2.39 s; at 1 s the
    /// drains got too small to keep up (docs/benchmarks.md, "Ingest").
    /// </summary>
    public TimeSpan PaceAfterLag { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest a push waits for the drains; then it is written and acknowledged anyway.</summary>
    public TimeSpan MaxPaceDelay { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxBodyBytes < 1024)
        {
            failures.Add($"{IngestOptions.Section}:MaxBodyBytes must be at least 1024, not {options.MaxBodyBytes}.");
        }

        if (options.MaxBufferedRecords < 1)
        {
            failures.Add($"{IngestOptions.Section}:MaxBufferedRecords must be at least 1, not {options.MaxBufferedRecords}.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromHours(1))
        {
            failures.Add($"{IngestOptions.Section}:RetryAfter must be between 00:00:01 and 01:00:00, not {options.RetryAfter}.");
        }

        if (options.PaceAfterLag < TimeSpan.Zero)
        {
            failures.Add($"{IngestOptions.Section}:PaceAfterLag must not be negative, not {options.PaceAfterLag}.");
        }

        if (options.MaxPaceDelay < TimeSpan.Zero || options.MaxPaceDelay > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{IngestOptions.Section}:MaxPaceDelay must be between 00:00:00 and 00:00:30, not {options.MaxPaceDelay}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
