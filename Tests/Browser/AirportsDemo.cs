using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;

namespace Ductus.Tests.Browser;

/// <summary>The demo's airports pipeline, run once per stack on the real vega-datasets file: 3,376 rows, 42 rejected under <c>iata.pattern</c>.</summary>
public sealed record AirportsRun(string Pipeline, Guid RunId, int Rejected);

internal static class AirportsDemo
{
    private static readonly ConcurrentDictionary<StackFixture, Lazy<Task<AirportsRun>>> Runs = new();

    public static Task<AirportsRun> LoadAsync(StackFixture stack) =>
        Runs.GetOrAdd(stack, s => new Lazy<Task<AirportsRun>>(() => RunAsync(s))).Value;

    /// <summary>The demo data as a new user gets it (scripts/fetch-demo-data.sh installs vega-datasets from npm).</summary>
    private static async Task<string> DemoCsvAsync()
    {
        var csv = Path.Combine(Repository.Root, "data", "vega", "airports.csv");
        if (!File.Exists(csv))
        {
            var fetched = await ExternalProcess.RunAsync(Repository.Root, "bash", ["scripts/fetch-demo-data.sh"], timeout: TimeSpan.FromMinutes(5));
            Assert.True(fetched.ExitCode == 0, $"scripts/fetch-demo-data.sh: {fetched}");
        }

        return csv;
    }

    private static async Task<AirportsRun> RunAsync(StackFixture stack)
    {
        var csv = await DemoCsvAsync();
        var name = "airports_ui_" + Guid.NewGuid().ToString("N")[..6];
        var folder = Path.Combine(stack.SourceRoot, name);
        Directory.CreateDirectory(folder);
        File.Copy(csv, Path.Combine(folder, "airports.csv"));

        // The demo's own spec, renamed, reading the copy and with no schedule of its own, so the
        // runs the tests see are the ones they started.
        var spec = string.Join('\n', File.ReadAllLines(Path.Combine(Repository.Root, "pipelines", "airports.yaml"))
            .Where(line => !line.StartsWith("schedule:", StringComparison.Ordinal))
            .Select(line => line
                .Replace("name: airports", $"name: {name}", StringComparison.Ordinal)
                .Replace("path: vega/airports.csv", $"path: {name}/airports.csv", StringComparison.Ordinal)
                .Replace("dataset: airports", $"dataset: {name}", StringComparison.Ordinal)));

        using var admin = await stack.CreateAdminClientAsync();
        using (var created = await admin.PostAsync("/api/pipelines", ApiJson.Yaml(spec)))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/pipelines: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        Guid runId;
        using (var triggered = await admin.PostAsync($"/api/pipelines/{name}/runs"))
        {
            Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
            runId = (await triggered.BodyAsync()).GetProperty("id").GetGuid();
        }

        var run = await Eventually.Async(
            async () =>
            {
                using var response = await admin.GetAsync($"/api/runs/{runId}");
                return await response.BodyAsync();
            },
            r => r.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled",
            TimeSpan.FromMinutes(2),
            $"the {name} run to finish");
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        return new AirportsRun(name, runId, run.GetProperty("rowsRejected").GetInt32());
    }

    /// <summary>The iata values of a run's rejects, read over the REST API (what the UI must show).</summary>
    public static async Task<List<string>> RejectedCodesAsync(StackFixture stack, Guid runId)
    {
        using var admin = await stack.CreateAdminClientAsync();
        var page = await (await admin.GetAsync($"/api/runs/{runId}/rejects?limit=1000")).BodyAsync();
        return [.. page.GetProperty("items").EnumerateArray()
            .Select(r => r.GetProperty("values").TryGetProperty("iata", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "")];
    }
}
