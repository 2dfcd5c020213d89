namespace Ductus.Analytics;

/// <param name="TraceId">The trace this request ran in, so callers can check that context propagated.</param>
public sealed record EngineVersion(string Engine, string Version, string? TraceId = null);
