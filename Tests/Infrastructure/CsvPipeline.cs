namespace Ductus.Tests.Infrastructure;

/// <summary>
/// The small pipeline the multi-process tests run: CSV rows of (id, amount) under a contract,
/// appended to a dataset named like the pipeline.
/// </summary>
public static class CsvPipeline
{
    /// <summary>A CSV body with <paramref name="rows"/> rows: ids 1..n, amount 10 × id.</summary>
    public static string Rows(int rows) =>
        "id,amount\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},{i * 10}\n"));

    /// <summary>The spec's YAML; <paramref name="extra"/> adds top-level keys (schedule, retries …).</summary>
    public static string Spec(string name, string path, string extra = "") =>
        $"""
        name: {name}
        source:
          kind: csv
          path: {path}
          header: true
        contract:
          columns:
            id: {"{"} type: integer, required: true {"}"}
            amount: {"{"} type: integer, min: 0 {"}"}
        target:
          dataset: {name}
          mode: append

        """ + extra;
}
