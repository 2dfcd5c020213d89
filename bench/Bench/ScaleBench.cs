using System.Globalization;
using System.Text.Json;

namespace Ductus.Bench;

/// <summary>
/// One size of the cost curve, on a running stack: the bench CSV (made by <c>make-csv</c>) through
/// a pipeline with the 5-rule contract into the lake, with the run's DuckDB memory limit set in
/// its spec, then the five benchmark queries through <c>POST /api/query</c> (uncached) beside raw
/// DuckDB over the same snapshot files. Prints one JSON line: throughput from the run's own
/// timing, each service's peak memory during the run and during the queries, query P95s.
/// </summary>
internal static class ScaleBench
{
    private static readonly string[] EngineerRole = ["engineer", "analyst"];

    public static async Task<int> RunAsync(string api, string adminKey, string stackJson, string csv, long rows, string sourceRoot, string memoryLimit, int rounds)
    {
        var stack = JsonDocument.Parse(await File.ReadAllTextAsync(stackJson)).RootElement;
        var database = stack.GetProperty("connectionStrings").GetProperty("ductus").GetString()!;
        var redis = stack.GetProperty("connectionStrings").GetProperty("redis").GetString()!;
        var lake = stack.GetProperty("lakeRoot").GetString()!;
        using var http = await BenchStack.SignInAsync(api, adminKey, "bench scale", EngineerRole, 4, TimeSpan.FromHours(2));

        var dataset = $"scale_{rows}";
        var path = Path.GetRelativePath(sourceRoot, Path.GetFullPath(csv));
        if (path.StartsWith("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{csv} is outside the stack's source root {sourceRoot}");
        }

        await BenchStack.SaveAsync(http, $$"""
            name: {{dataset}}
            source: { kind: csv, path: {{path}}, header: true }
            {{DuctusPipeline.TransformAndContract}}
            target: { dataset: {{dataset}}, mode: replace }
            memory_limit: {{memoryLimit}}
            timeout: 2h
            """, "application/yaml");

        ServiceMemory.ResetPeaks();
        var run = await BenchStack.RunAsync(http, dataset);
        var runPeaks = ServiceMemory.Peaks();
        var seconds = BenchStack.Seconds(run);
        var read = run.GetProperty("rowsRead").GetInt64();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{dataset}: {read:N0} rows read, {run.GetProperty("rowsLoaded").GetInt64():N0} loaded in {seconds:0.0} s ({read / seconds:N0} rows/s); peaks {Peaks(runPeaks)}"));

        var files = await QueryBench.FilesAsync(database, lake, dataset);
        ServiceMemory.ResetPeaks();
        var queries = new List<object>();
        foreach (var (name, template) in QueryBench.Queries)
        {
            var sql = string.Format(CultureInfo.InvariantCulture, template, dataset);
            var (apiTimes, rawTimes) = (new List<double>(), new List<double>());
            // One untimed round each first: the Api's first query over a new snapshot opens its
            // sandbox and the first raw read pulls the files into the page cache. With five rounds
            // the p95 is the slowest one, so either would otherwise be measured instead of the query.
            await QueryBench.FlushAsync(redis);
            try
            {
                await QueryBench.ApiAsync(http, sql);
            }
            catch (InvalidOperationException refused)
            {
                // A query the sandbox cannot answer within its memory limit is a figure too: reported, and the next query runs.
                Console.Error.WriteLine($"  {name}: the Api refused it: {refused.Message}");
                queries.Add(new { query = name, error = refused.Message });
                continue;
            }

            await QueryBench.RawAsync(files, dataset, sql);
            for (var round = 0; round < rounds; round++)
            {
                await QueryBench.FlushAsync(redis);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await QueryBench.ApiAsync(http, sql);
                apiTimes.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                await QueryBench.RawAsync(files, dataset, sql);
                rawTimes.Add(clock.Elapsed.TotalMilliseconds);
            }

            var (apiP95, rawP95) = (QueryBench.Percentile(apiTimes, 0.95), QueryBench.Percentile(rawTimes, 0.95));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: api p95 {apiP95:0} ms, raw p95 {rawP95:0} ms, ratio {apiP95 / rawP95:0.00}"));
            queries.Add(new
            {
                query = name,
                api_p95_ms = Math.Round(apiP95, 1),
                raw_p95_ms = Math.Round(rawP95, 1),
                ratio = Math.Round(apiP95 / rawP95, 2),
                api_median_ms = Math.Round(QueryBench.Percentile(apiTimes, 0.5), 1),
                raw_median_ms = Math.Round(QueryBench.Percentile(rawTimes, 0.5), 1),
            });
        }

        var queryPeaks = ServiceMemory.Peaks();
        Console.Error.WriteLine($"  query peaks {Peaks(queryPeaks)}");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode = "scale",
            rows = read,
            loaded = run.GetProperty("rowsLoaded").GetInt64(),
            run_s = Math.Round(seconds, 2),
            rows_per_s = Math.Round(read / seconds),
            memory_limit = memoryLimit,
            run_peak_mb = runPeaks,
            query_peak_mb = queryPeaks,
            files = files.Length,
            queries,
        }));
        return 0;
    }

    private static string Peaks(Dictionary<string, long> peaks) => string.Join(", ", peaks.Select(p => $"{p.Key} {p.Value} MB"));
}
