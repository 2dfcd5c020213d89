namespace Ductus.Tests.Infrastructure;

/// <summary>
/// The spec the engine, runner and API tests run over <c>TestData/engine/flights.csv</c>: 8 rows,
/// 4 load and 4 break a contract rule (a bad code, a missing origin, a negative distance, a
/// flight to its own airport).
/// </summary>
public static class FlightsTestSpec
{
    public static string Yaml(string name = "flights", string dataset = "flights", string policy = "quarantine", string? description = null, string mode = "append") =>
        $$"""
        name: {{name}}
        description: {{description ?? "flights for the tests"}}
        source:
          kind: csv
          path: flights.csv
        transform: |
          SELECT date AS departed_at, delay, distance, origin, destination FROM source
        contract:
          policy: {{policy}}
          columns:
            departed_at: { type: timestamp, required: true }
            delay:       { type: integer, min: -1440, max: 2880 }
            distance:    { type: integer, min: 1, description: miles }
            origin:      { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
            destination: { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
          rules:
            - name: different_airports
              sql: origin <> destination
        target:
          dataset: {{dataset}}
          mode: {{mode}}
        """;
}
