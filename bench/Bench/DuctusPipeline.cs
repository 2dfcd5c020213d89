namespace Ductus.Bench;

/// <summary>Ductus's engine on the same CSV: contract compiled to SQL, good rows to the lake.</summary>
internal static class DuctusPipeline
{
    public static Task<Measurement> RunAsync(string csv, string outDir) =>
        throw new NotSupportedException($"The engine is not wired into the benchmark yet ({csv} → {outDir}).");
}
