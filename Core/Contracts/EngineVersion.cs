namespace Ductus.Core.Contracts;

/// <summary>What the analytics worker answers on <see cref="AnalyticsRoutes.EngineVersion"/>.</summary>
/// <param name="TraceId">The trace this request ran in, so callers can check that context propagated.</param>
public sealed record EngineVersion(string Engine, string Version, string? TraceId = null);
