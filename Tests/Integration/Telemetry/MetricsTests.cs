using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;

namespace Ductus.Tests.Integration.Telemetry;

/// <summary>
/// <c>/metrics</c> on every service, scraped the way Prometheus scrapes it: after a real run in
/// the Pipelines service and real queries through the Api, and against the dashboard in
/// <c>deploy/grafana/ductus.json</c>, so the dashboard cannot drift from what is exported.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class MetricsTests(StackFixture stack)
{
    public static TheoryData<string> Services => [Resources.Api, Resources.Pipelines, Resources.Analytics];

    [Fact]
    public async Task A_run_in_the_pipelines_service_shows_its_counters_histogram_and_reject_ratio_under_its_pipeline_label()
    {
        var pipeline = await RunPipelineAsync(stack);

        var text = await Eventually.Async(() => ScrapeAsync(Resources.Pipelines),
            t => Sample(t, "ductus_runs_total", pipeline, "status=\"succeeded\"") is not null, TimeSpan.FromSeconds(10), "the run's counter in /metrics");

        Assert.Equal(1, Sample(text, "ductus_runs_total", pipeline, "status=\"succeeded\""));
        Assert.Equal(4, Sample(text, "ductus_rows_loaded_total", pipeline));
        Assert.Equal(1, Sample(text, "ductus_rows_rejected_total", pipeline));
        Assert.Equal(1, Sample(text, "ductus_run_duration_seconds_count", pipeline));
        // The last bucket counts every run, so the run landed in the histogram whatever it took.
        Assert.Equal(1, Sample(text, "ductus_run_duration_seconds_bucket", pipeline, "le=\"+Inf\""));
        Assert.Equal(0.2, Sample(text, "ductus_pipeline_reject_ratio", pipeline)!.Value, 6);

        // The catalog gauges are refreshed every 15 s, not per scrape.
        var dataset = pipeline.Replace('-', '_');
        var gauges = await Eventually.Async(() => ScrapeAsync(Resources.Pipelines),
            t => Sample(t, "ductus_dataset_freshness_lag_seconds", $"dataset=\"{dataset}\"") is not null,
            TimeSpan.FromSeconds(40), "the dataset's freshness lag in /metrics", TimeSpan.FromSeconds(2));
        var lag = Sample(gauges, "ductus_dataset_freshness_lag_seconds", $"dataset=\"{dataset}\"")!.Value;
        Assert.InRange(lag, 0, 120);
        Assert.Equal(0, Sample(gauges, "ductus_ingest_buffered", $"dataset=\"{dataset}\""));
    }

    [Fact]
    public async Task Queries_through_the_api_show_their_latency_and_cache_hits_and_misses()
    {
        var before = await ScrapeAsync(Resources.Api);
        await QueryTwiceAsync(stack);

        var after = await Eventually.Async(() => ScrapeAsync(Resources.Api),
            t => Sample(t, "ductus_query_cache_hits_total") > (Sample(before, "ductus_query_cache_hits_total") ?? 0),
            TimeSpan.FromSeconds(10), "a cache hit in /metrics");
        Assert.True(Sample(after, "ductus_query_cache_misses_total") > (Sample(before, "ductus_query_cache_misses_total") ?? 0), after);
        Assert.True(Sample(after, "ductus_query_duration_seconds_count", "cache=\"hit\"") >= 1, after);
        Assert.True(Sample(after, "ductus_query_duration_seconds_count", "cache=\"miss\"") >= 1, after);
    }

    [Fact]
    public async Task Every_metric_the_grafana_dashboard_uses_is_exported_by_some_service()
    {
        // The counters and histograms appear once something has been counted.
        await RunPipelineAsync(stack);
        await QueryTwiceAsync(stack);
        var used = GrafanaDashboard.MetricNames(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "grafana", "ductus.json")));
        Assert.True(used.Count >= 10, "metrics found in the dashboard: " + string.Join(", ", used));

        var missing = used.ToHashSet(StringComparer.Ordinal);
        await Eventually.Async(async () =>
        {
            foreach (var service in new[] { Resources.Api, Resources.Pipelines, Resources.Analytics })
            {
                var text = await ScrapeAsync(service);
                missing.RemoveWhere(name => Sample(text, name) is not null);
            }

            return string.Join(", ", missing);
        }, m => m.Length == 0, TimeSpan.FromSeconds(40), "every dashboard metric in some service's /metrics", TimeSpan.FromSeconds(2));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_scrape_without_the_token_from_outside_the_allowed_networks_is_refused(string service)
    {
        using var client = stack.App.CreateHttpClient(service);
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("AllowedNetworks", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_scrape_with_a_wrong_token_is_forbidden_and_with_the_scrape_token_answers_prometheus_text(string service)
    {
        using var client = stack.App.CreateHttpClient(service);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.MetricsScrapeToken + "x");
        using (var refused = await client.SendAsync(wrong))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        var text = await ScrapeAsync(service);
        // The runtime's own meter is exported by every service, so every scrape has it.
        Assert.Contains("# TYPE dotnet_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scrape_of_the_api_with_the_scrape_token_is_not_mistaken_for_an_api_token()
    {
        // The Api's own bearer scheme would refuse the scrape token; /metrics must not ask it.
        using var client = stack.App.CreateHttpClient(Resources.Api);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.MetricsScrapeToken);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync(string service)
    {
        using var client = stack.App.CreateHttpClient(service);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.MetricsScrapeToken);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service} /metrics answered {(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>
    /// The sum of the samples of <paramref name="metric"/> whose labels hold every one of
    /// <paramref name="labels"/> (a bare word is a pipeline name); null when there is none.
    /// </summary>
    private static double? Sample(string text, string metric, params string[] labels)
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !(line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal)))
            {
                continue;
            }

            var labelEnd = line.LastIndexOf('}');
            var labelText = labelEnd < 0 ? "" : line[..labelEnd];
            if (!labels.All(l => labelText.Contains(l.Contains('=', StringComparison.Ordinal) ? l : $"pipeline=\"{l}\"", StringComparison.Ordinal)))
            {
                continue;
            }

            var value = line[(labelEnd + 1)..].Trim().Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return sum;
    }

    /// <summary>A pipeline of five CSV rows, one refused by its contract, created and run through the Api and the Pipelines service.</summary>
    private static async Task<string> RunPipelineAsync(StackFixture stack)
    {
        var name = "m-" + Guid.NewGuid().ToString("N")[..10];
        var file = name + ".csv";
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, file), "id,amount\n1,10\n2,20\n3,-5\n4,40\n5,50\n");
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(CsvPipeline.Spec(name, file).Replace($"dataset: {name}", $"dataset: {name.Replace('-', '_')}", StringComparison.Ordinal))))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var triggered = await engineer.PostAsync($"/api/pipelines/{name}/runs");
        var id = (await triggered.BodyAsync()).GetProperty("id").GetGuid();
        var run = await Eventually.Async(async () => await (await engineer.GetAsync($"/api/runs/{id}")).BodyAsync(),
            r => r.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled", TimeSpan.FromSeconds(60), "the run's end", TimeSpan.FromSeconds(1));
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        return name;
    }

    private static async Task QueryTwiceAsync(StackFixture stack)
    {
        var dataset = Query.ApiLake.NewDatasetName();
        await Query.ApiLake.LoadCsvAsync(stack, dataset, "id,amount\n1,10\n2,20\n");
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        foreach (var expected in new[] { "miss", "hit" })
        {
            using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT sum(amount) AS total FROM {dataset}" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected, response.Headers.GetValues("X-Ductus-Cache").Single());
        }
    }
}
