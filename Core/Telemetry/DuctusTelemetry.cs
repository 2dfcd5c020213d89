using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ductus.Core.Telemetry;

/// <summary>
/// Ductus's own trace source and meter. One name for both so the dashboard groups our spans
/// and instruments together, and ServiceDefaults subscribes to exactly this name.
/// </summary>
public static class DuctusTelemetry
{
    public const string Name = "Ductus";

    /// <summary>Quartz.NET 4 publishes its spans and instruments under this name.</summary>
    public const string Quartz = "Quartz";

    /// <summary>Npgsql's ActivitySource and Meter name.</summary>
    public const string Npgsql = "Npgsql";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);
}
