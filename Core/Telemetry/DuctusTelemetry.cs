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

    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("ductus.run.duration", "s", "Wall time of a pipeline run");

    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>("ductus.alerts", "{alert}", "Run alerts raised (failed after retries, recovered)");

    public static readonly Counter<long> RunsFailed = Meter.CreateCounter<long>("ductus.runs.failed", "{run}", "Runs that ended failed");

    public static readonly Counter<long> SecretHashes = Meter.CreateCounter<long>(
        "ductus.auth.secret_hashes", "{hash}", "PBKDF2 verifications at the token endpoint (a secret verified before is not hashed again)");

    public static readonly Counter<long> TokenRequestsThrottled = Meter.CreateCounter<long>(
        "ductus.auth.token_throttled", "{request}", "Token requests refused before hashing: their client id or address spent its budget");
}
