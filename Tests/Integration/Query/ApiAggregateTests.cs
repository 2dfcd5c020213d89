using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Query;

/// <summary>POST /api/datasets/{name}/aggregate and GET /api/datasets/{name}/preview through the Api, cache and worker.</summary>
[Collection(StackDefinition.Name)]
public sealed class ApiAggregateTests(StackFixture stack)
{
    private const string Flights = """
        id,origin,delay,departed_at
        1,AMS,10,2001-01-01 08:10:00
        2,AMS,20,2001-01-01 09:00:00
        3,JFK,30,2001-01-02 10:00:00
        4,JFK,,2001-01-02 11:00:00
        5,LHR,-5,2001-01-03 12:00:00
        6,JFK,50,2001-01-02 23:00:00

        """;

    private static readonly string[] ByOrigin = ["origin"];
    private static readonly string[] AmsAndJfk = ["AMS", "JFK"];
    private static readonly string[] ByInjection = ["origin\"; DROP VIEW x; --"];

    private static async Task<(HttpResponseMessage Response, JsonElement Json)> PostAsync(HttpClient client, string dataset, object body)
    {
        var response = await client.PostAsJsonAsync($"/api/datasets/{dataset}/aggregate", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response, JsonDocument.Parse(text).RootElement);
    }

    private static string[][] Rows(JsonElement json) =>
        [.. json.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? "null" : v.ToString()).ToArray())];

    [Fact]
    public async Task Groups_time_buckets_metrics_and_filters_compile_to_the_expected_rows()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, Flights);
        using var client = await stack.ClientForRoleAsync("analyst");

        var (response, json) = await PostAsync(client, dataset, new
        {
            timeBucket = new { column = "departed_at", bucket = "day" },
            groupBy = ByOrigin,
            metrics = new object[]
            {
                new { fn = "count" },
                new { fn = "avg", column = "delay" },
                new { fn = "p50", column = "delay" },
                new { fn = "percentile", column = "delay", q = 0.9, @as = "p90" },
                new { fn = "max", column = "delay" },
                new { fn = "count_distinct", column = "id" },
            },
            filters = new object[] { new { column = "origin", op = "in", value = AmsAndJfk } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("miss", response.Headers.GetValues("X-Ductus-Cache").Single());
        Assert.Equal(
            ["day", "origin", "count", "avg_delay", "p50_delay", "p90", "max_delay", "count_distinct_id"],
            json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var rows = Rows(json);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("2001-01-01", rows[0][0], StringComparison.Ordinal);
        Assert.Equal(["AMS", "2", "15", "15", "19", "20", "2"], rows[0][1..]);
        Assert.StartsWith("2001-01-02", rows[1][0], StringComparison.Ordinal);
        Assert.Equal(["JFK", "3", "40", "40", "48", "50", "3"], rows[1][1..]);
    }

    [Fact]
    public async Task Filter_values_are_bound_never_spliced_into_the_sql()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, Flights);
        using var client = await stack.ClientForRoleAsync("analyst");

        var (response, json) = await PostAsync(client, dataset, new
        {
            metrics = new[] { new { fn = "count" } },
            filters = new[] { new { column = "origin", op = "eq", value = "AMS' OR 1=1 --" } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([["0"]], Rows(json));
    }

    [Fact]
    public async Task Top_n_orders_and_limits_is_cached_and_reads_a_pinned_version()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, Flights);
        await ApiLake.LoadCsvAsync(stack, dataset, "id,origin,delay,departed_at\n7,LHR,1,2001-01-04 00:00:00\n8,LHR,2,2001-01-04 01:00:00\n9,LHR,3,2001-01-04 02:00:00\n");
        using var client = await stack.ClientForRoleAsync("analyst");
        var top = new
        {
            groupBy = ByOrigin,
            metrics = new[] { new { fn = "count", @as = "flights" } },
            filters = new[] { new { column = "delay", op = "not_null" } },
            orderBy = new[] { new { by = "flights", desc = true }, new { by = "origin", desc = false } },
            limit = 1,
        };

        var (current, json) = await PostAsync(client, dataset, top);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal([["LHR", "4"]], Rows(json));
        var (again, cached) = await PostAsync(client, dataset, top);
        Assert.Equal("hit", again.Headers.GetValues("X-Ductus-Cache").Single());
        Assert.Equal(json.GetRawText(), cached.GetRawText());

        var (pinned, old) = await PostAsync(client, dataset, new { top.groupBy, top.metrics, top.filters, top.orderBy, top.limit, version = 1 });
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        Assert.Equal([["AMS", "2"]], Rows(old));
    }

    [Fact]
    public async Task Mistakes_are_a_400_problem_naming_each_field()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, Flights);
        using var client = await stack.ClientForRoleAsync("analyst");

        var (response, json) = await PostAsync(client, dataset, new
        {
            timeBucket = new { column = "origin", bucket = "day" },
            groupBy = ByInjection,
            metrics = new object[] { new { fn = "count" }, new { fn = "avg", column = "dealy" }, new { fn = "median", column = "delay" }, new { fn = "sum", column = "origin" } },
            filters = new object[] { new { column = "delay", op = "; DELETE", value = 1 }, new { column = "delay", op = "gt" } },
            orderBy = new[] { new { by = "nope", desc = false } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = json.GetProperty("errors").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("reason").GetString()!);
        Assert.Equal($"unknown column 'dealy' in dataset {dataset}", errors["metrics[1].column"]);
        Assert.StartsWith("column 'origin' is VARCHAR, not a date or timestamp", errors["timeBucket.column"], StringComparison.Ordinal);
        Assert.StartsWith("unknown column 'origin\"; DROP VIEW x; --'", errors["groupBy[0]"], StringComparison.Ordinal);
        Assert.StartsWith("'median' is not a metric", errors["metrics[2].fn"], StringComparison.Ordinal);
        Assert.StartsWith("sum needs a numeric column", errors["metrics[3].column"], StringComparison.Ordinal);
        Assert.StartsWith("'; DELETE' is not an operator", errors["filters[0].op"], StringComparison.Ordinal);
        Assert.StartsWith("gt needs a value", errors["filters[1].value"], StringComparison.Ordinal);
        Assert.StartsWith("'nope' is not an output column", errors["orderBy[0].by"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_datasets_are_404_and_only_readers_may_aggregate()
    {
        using var analyst = await stack.ClientForRoleAsync("analyst");
        var (missing, _) = await PostAsync(analyst, "no_such_dataset", new { metrics = new[] { new { fn = "count" } } });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var ingest = await stack.ClientForRoleAsync("ingest");
        using var forbidden = await ingest.PostAsJsonAsync("/api/datasets/x/aggregate", new { metrics = new[] { new { fn = "count" } } });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var previewForbidden = await ingest.GetAsync(new Uri("/api/datasets/x/preview", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, previewForbidden.StatusCode);
    }

    [Fact]
    public async Task Preview_returns_the_first_rows_capped_at_a_pinned_version_in_any_format()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, "id,name\n1,a\n2,b\n3,c\n");
        await ApiLake.LoadCsvAsync(stack, dataset, "id,name\n4,d\n");
        using var client = await stack.ClientForRoleAsync("analyst");

        using var two = await client.GetAsync(new Uri($"/api/datasets/{dataset}/preview?limit=2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        var json = JsonDocument.Parse(await two.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, json.GetProperty("rows").GetArrayLength());
        Assert.True(json.GetProperty("truncated").GetBoolean());
        Assert.Contains("id", json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        using var all = await client.GetAsync(new Uri($"/api/datasets/{dataset}/preview", UriKind.Relative));
        Assert.Equal(4, JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement.GetProperty("rows").GetArrayLength());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/datasets/{dataset}/preview?version=1");
        request.Headers.Accept.ParseAdd("text/csv");
        using var old = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        var lines = (await old.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // header + the 3 rows of version 1

        using var tooMany = await client.GetAsync(new Uri($"/api/datasets/{dataset}/preview?limit=5000", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("limit", await tooMany.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var noVersion = await client.GetAsync(new Uri($"/api/datasets/{dataset}/preview?version=99", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
    }
}
