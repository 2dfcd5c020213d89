using System.Text.Json;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Bench;

/// <summary>
/// Ductus's engine on the same CSV: the contract compiled to SQL, good rows to the Parquet lake,
/// every rejected row streamed out with its rules (as the reject store receives them). The
/// catalog commit that follows in a real run is one small PostgreSQL transaction and is not timed.
/// </summary>
internal static class DuctusPipeline
{
    /// <summary>The bench's transform and 5-rule contract, top-level spec keys; the scale bench runs the same through the stack.</summary>
    public const string TransformAndContract = """
        transform: |
          SELECT date AS departed_at, delay, distance, origin, destination FROM source
        contract:
          policy: quarantine
          columns:
            departed_at: { type: timestamp, required: true }
            delay:       { type: integer, min: -1440, max: 2880 }
            distance:    { type: integer, min: 1 }
            origin:      { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
            destination: { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
          rules:
            - name: different_airports
              sql: origin <> destination
        """;

    /// <summary>The bench's spec over <paramref name="csv"/> (read from its folder as the source root).</summary>
    public static PipelineSpec Spec(string csv)
    {
        var spec = SpecParser.ParseYaml($$"""
            name: bench
            source:
              kind: csv
              path: {{Path.GetFileName(csv)}}
              header: true
            {{TransformAndContract}}
            target:
              dataset: flights
            """);
        return spec.Spec is { } parsed && spec.Errors.Count == 0 ? parsed : throw new InvalidOperationException(string.Join("; ", spec.Errors));
    }

    public static async Task<Measurement> RunAsync(string csv, string outDir)
    {
        Directory.CreateDirectory(outDir);
        using var http = new HttpClient();
        var engine = new RunEngine(new SourceRoots(Path.GetDirectoryName(Path.GetFullPath(csv))!), http, TimeProvider.System);
        await using var output = await engine.ExecuteAsync(Spec(csv), new RunContext(Guid.NewGuid(), "bench", Path.GetFullPath(outDir)), CancellationToken.None);
        if (output.Failed)
        {
            throw new InvalidOperationException($"{output.FailedStep}: {output.FailureReason}");
        }

        await using (var bad = new StreamWriter(Path.Combine(outDir, "bad.ndjson")))
        {
            await foreach (var reject in output.ReadRejectsAsync(CancellationToken.None))
            {
                await bad.WriteLineAsync(JsonSerializer.Serialize(new { line = reject.Line, rules = reject.Rules, message = reject.Message, values = reject.ValuesJson }));
            }
        }

        // Where the time went, for whoever tunes the engine next (stderr keeps stdout one JSON line).
        Console.Error.WriteLine("ductus steps: " + string.Join(", ", output.StepDurations.Select(d => $"{d.Key} {d.Value.TotalSeconds:0.00}s")));
        return new Measurement("ductus", output.RowsRead, 0, 0, output.RowsLoaded, output.RowsRejected);
    }
}
