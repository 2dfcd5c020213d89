namespace Ductus.Core;

/// <summary>
/// The health endpoints every service maps, shared by the services (ServiceDefaults), the
/// AppHost (its health checks and the deployment probes it publishes) and the tests.
/// </summary>
public static class HealthPaths
{
    /// <summary>Ready to serve: every dependency check passes (readiness probe).</summary>
    public const string Ready = "/health";

    /// <summary>The process answers (liveness probe).</summary>
    public const string Alive = "/alive";
}
