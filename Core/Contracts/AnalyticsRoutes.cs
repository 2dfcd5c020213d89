namespace Ductus.Core.Contracts;

/// <summary>The analytics worker's internal routes, which only the Api calls (with a service token).</summary>
public static class AnalyticsRoutes
{
    /// <summary><c>POST</c> an <see cref="InternalQueryRequest"/>; the result streams back in its format.</summary>
    public const string Query = "/internal/query";

    /// <summary><c>GET</c> an <see cref="Contracts.EngineVersion"/>.</summary>
    public const string EngineVersion = "/internal/engine/version";
}
