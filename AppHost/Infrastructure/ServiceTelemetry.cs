using System.Globalization;

namespace Ductus.AppHost.Infrastructure;

/// <summary>How the services report to the dashboard.</summary>
internal static class ServiceTelemetry
{
    /// <summary>
    /// How often the services export metrics. Aspire asks for every second, which under ingest
    /// load cost the dashboard about 4% of the machine's CPU; five seconds still draws a live
    /// chart (OpenTelemetry's own default is a minute).
    /// </summary>
    public static readonly TimeSpan MetricsInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sets the OpenTelemetry metric export interval, overriding the one Aspire sets for every
    /// project, on this machine only: the interval is for the dashboard's live charts, and a
    /// deployment's collector sets its own, so a published manifest leaves it out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithMetricsEvery(this IResourceBuilder<ProjectResource> project, TimeSpan interval) =>
        project.ApplicationBuilder.ExecutionContext.IsPublishMode
            ? project
            : project.WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
}
