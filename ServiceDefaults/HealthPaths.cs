namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The health endpoints every service maps. Defined here, where <see cref="Extensions.MapDefaultEndpoints"/>
/// maps them, and nowhere else: the AppHost references this project (as a library, not a
/// resource) for its health checks and the deployment probes it publishes, and the tests reach
/// it through the services, so a probe cannot drift from the path a service answers.
/// </summary>
public static class HealthPaths
{
    /// <summary>Ready to serve: every dependency check passes (readiness probe).</summary>
    public const string Ready = "/health";

    /// <summary>The process answers (liveness probe).</summary>
    public const string Alive = "/alive";

    /// <summary>The Prometheus scrape (guarded by <see cref="MetricsAccess"/>), mapped beside the probes.</summary>
    public const string Metrics = "/metrics";
}
