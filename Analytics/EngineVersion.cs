namespace Ductus.Analytics;

public sealed record EngineVersion(string Engine, string Version);
