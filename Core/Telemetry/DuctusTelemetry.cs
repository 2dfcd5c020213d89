using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ductus.Core.Telemetry;

/// <summary>
/// Ductus's own trace source and meter. One name for both so the dashboard groups our spans
/// and instruments together, and each service exports exactly <see cref="SourceNames"/>.
/// </summary>
public static class DuctusTelemetry
{
    public const string Name = "Ductus";

    /// <summary>Quartz.NET 4 publishes its spans and instruments under this name.</summary>
    public const string Quartz = "Quartz";

    /// <summary>Npgsql's ActivitySource and Meter name.</summary>
    public const string Npgsql = "Npgsql";

    /// <summary>
    /// The trace sources and meters every service hands to <c>AddServiceDefaults</c>: the same set
    /// everywhere, so a span or instrument moved from one service to another stays exported.
    /// </summary>
    public static IReadOnlyList<string> SourceNames { get; } = [Name, Quartz, Npgsql];

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    // Counters carry pipeline and dataset tags so the dashboard can split them per pipeline.
    public static readonly Counter<long> RowsRead = Meter.CreateCounter<long>("ductus.rows.read", "{row}", "Rows read from sources");

    public static readonly Counter<long> RowsLoaded = Meter.CreateCounter<long>("ductus.rows.loaded", "{row}", "Rows committed to the lake");

    public static readonly Counter<long> RowsRejected = Meter.CreateCounter<long>("ductus.rows.rejected", "{row}", "Rows refused by a contract or the parser");

    // The SDK's default buckets are for milliseconds (0 to 10,000); runs take seconds to an hour.
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram(
        "ductus.run.duration", "s", "Wall time of a pipeline run",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] });

    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>("ductus.alerts", "{alert}", "Run alerts raised (failed after retries, recovered)");

    public static readonly Counter<long> RunsFailed = Meter.CreateCounter<long>("ductus.runs.failed", "{run}", "Runs that ended failed");

    /// <summary>Every run that ended, with a <c>status</c> tag (succeeded, failed, cancelled) beside pipeline and dataset.</summary>
    public static readonly Counter<long> RunsEnded = Meter.CreateCounter<long>("ductus.runs", "{run}", "Runs that ended, by final status");

    /// <summary>
    /// A gauge of the last run's share of rejected rows, not a sum: a pipeline whose source turns
    /// bad shows it on its next run, whatever its history was.
    /// </summary>
    public static readonly Gauge<double> RejectRatio = Meter.CreateGauge<double>(
        "ductus.pipeline.reject_ratio", "1", "Rejected rows over rows read in the pipeline's last run that got past reading");

    /// <summary>Seconds from a query's arrival at the Api to its last byte, cache hits included (tag <c>cache</c>: hit or miss).</summary>
    public static readonly Histogram<double> QueryDuration = Meter.CreateHistogram(
        "ductus.query.duration", "s", "Query latency at the Api",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    public static readonly Counter<long> QueryCacheHits = Meter.CreateCounter<long>("ductus.query.cache.hits", "{query}", "Queries answered from the result cache");

    /// <summary>Lookups that found nothing; a disabled or unreachable cache counts as neither, so the ratio reflects the cache itself.</summary>
    public static readonly Counter<long> QueryCacheMisses = Meter.CreateCounter<long>("ductus.query.cache.misses", "{query}", "Queries the result cache did not hold");

    public static readonly Counter<long> SecretHashes = Meter.CreateCounter<long>(
        "ductus.auth.secret_hashes", "{hash}", "PBKDF2 verifications at the token endpoint (a secret verified before is not hashed again)");

    public static readonly Counter<long> TokenRequestsThrottled = Meter.CreateCounter<long>(
        "ductus.auth.token_throttled", "{request}", "Token requests refused before hashing: their client id or address spent its budget");
}
