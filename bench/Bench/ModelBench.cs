using System.Globalization;
using System.Text.Json;

namespace Ductus.Bench;

/// <summary>
/// An incremental model against a full rebuild of the same model, in the same run, on a running
/// stack: a model over a 10M-row input (flights joined to the demo's airports, delayed flights
/// only) built once, then per round 1% new rows appended to the input and both models run — the
/// incremental one reads only the new files, the <c>mode: replace</c> twin reads everything.
/// Times are the runs' own (start to commit, as the catalog records them). After each round both
/// datasets must hold the same number of rows, or the bench fails.
/// </summary>
internal static class ModelBench
{
    private static readonly string[] EngineerRole = ["engineer"];

    public static async Task<int> RunAsync(string api, string adminKey, string dataRoot, int rounds)
    {
        using var http = await BenchStack.SignInAsync(api, adminKey, "bench model", EngineerRole, 4, TimeSpan.FromMinutes(10));
        var tenM = await BenchStack.TenMillionFlightsAsync(dataRoot);
        var id = Guid.NewGuid().ToString("N")[..6];
        var (input, incremental, full) = ($"bm_{id}_flights", $"bm_{id}_incremental", $"bm_{id}_full");
        // The input pipeline appends whatever file is at this path when it runs.
        var landing = Path.Combine(dataRoot, "bench", $"model-{id}.parquet");
        File.Copy(tenM, landing, overwrite: true);
        try
        {
            await BenchStack.SaveAsync(http, $$"""
                name: {{input}}
                source: { kind: parquet, path: bench/model-{{id}}.parquet }
                transform: SELECT date AS departed_at, delay, distance, origin, destination FROM source
                target: { dataset: {{input}}, mode: append }
                timeout: 30m
                """, "application/yaml");
            foreach (var (name, mode) in new[] { (incremental, "incremental"), (full, "replace") })
            {
                await BenchStack.SaveAsync(http, $$"""
                    name: {{name}}
                    source:
                      sql: |
                        SELECT f.departed_at, f.origin, a.name AS origin_name, a.state, f.destination, f.delay, f.distance
                          FROM {{input}} AS f JOIN airports AS a ON a.iata = f.origin
                         WHERE f.delay > 0
                      {{(mode == "incremental" ? $"driving: {input}" : string.Empty)}}
                    target: { dataset: {{name}}, mode: {{mode}} }
                    timeout: 30m
                    """, "application/yaml");
            }

            var load = await BenchStack.RunAsync(http, input);
            var first = await BenchStack.RunAsync(http, incremental);
            Console.Error.WriteLine($"input: {load.GetProperty("rowsLoaded").GetInt64():N0} rows in {BenchStack.Seconds(load):0.0} s; first build of the model (full): {first.GetProperty("rowsLoaded").GetInt64():N0} rows in {BenchStack.Seconds(first):0.0} s");

            var (incrementalSeconds, fullSeconds, ratios) = (new List<double>(), new List<double>(), new List<double>());
            for (var round = 1; round <= rounds; round++)
            {
                // 1% more: 100,000 rows of the 3M file, a different sample each round.
                await BenchStack.ExecAsync($"""
                    COPY (SELECT date, delay, distance, origin, destination
                          FROM read_parquet('{Path.Combine(dataRoot, "vega", "flights-3m.parquet")}')
                          USING SAMPLE 100000 ROWS (reservoir, {round}))
                    TO '{landing}' (FORMAT parquet)
                    """);
                var appended = await BenchStack.RunAsync(http, input);
                var inc = await BenchStack.RunAsync(http, incremental);
                var rebuilt = await BenchStack.RunAsync(http, full);
                var build = inc.GetProperty("build");
                if (build.GetProperty("mode").GetString() != "incremental")
                {
                    throw new InvalidOperationException($"round {round}: the model rebuilt in full: {build}");
                }

                var (incRows, fullRows) = (await RowCountAsync(http, incremental), await RowCountAsync(http, full));
                if (incRows != fullRows)
                {
                    throw new InvalidOperationException($"round {round}: the incremental model holds {incRows:N0} rows, the full rebuild {fullRows:N0}");
                }

                var (i, f) = (BenchStack.Seconds(inc), BenchStack.Seconds(rebuilt));
                incrementalSeconds.Add(i);
                fullSeconds.Add(f);
                ratios.Add(i / f);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: appended {appended.GetProperty("rowsLoaded").GetInt64():N0} rows; incremental {i:0.00} s ({build.GetProperty("filesRead").GetInt32()} file(s) read, {inc.GetProperty("rowsRead").GetInt64():N0} rows); full rebuild {f:0.00} s ({rebuilt.GetProperty("rowsRead").GetInt64():N0} rows); both hold {fullRows:N0} rows; ratio {i / f:0.000}"));
            }

            var result = new
            {
                mode = "model",
                rounds,
                input_rows = load.GetProperty("rowsLoaded").GetInt64() + (rounds * 100_000L),
                incremental_s = Median(incrementalSeconds),
                full_rebuild_s = Median(fullSeconds),
                ratio = Median(ratios),
            };
            Console.WriteLine(JsonSerializer.Serialize(result));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model: incremental {result.incremental_s:0.00} s, full rebuild {result.full_rebuild_s:0.00} s, ratio {result.ratio:0.000} (target <= 0.05)"));
            return result.ratio <= 0.05 ? 0 : 1;
        }
        finally
        {
            File.Delete(landing);
        }
    }

    private static async Task<long> RowCountAsync(HttpClient http, string dataset) =>
        JsonDocument.Parse(await http.GetStringAsync($"/api/datasets/{dataset}")).RootElement.GetProperty("rowCount").GetInt64();

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
