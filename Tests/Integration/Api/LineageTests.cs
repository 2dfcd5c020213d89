using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary><c>GET /api/lineage</c> over saved specs, and the inputs a model's run pinned in <c>GET /api/runs/{id}</c>.</summary>
[Collection(StackDefinition.Name)]
public sealed class LineageTests(StackFixture stack)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    /// <summary>A CSV pipeline loading a, a model b reading a, a model c joining a and b; a, b, c are the datasets' (and pipelines') names.</summary>
    private sealed record Chain(string A, string B, string C);

    private async Task<Chain> CreateChainAsync(HttpClient engineer, bool withJoin = true)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var chain = new Chain("lin_a_" + suffix, "lin_b_" + suffix, "lin_c_" + suffix);
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, chain.A + ".csv"), CsvPipeline.Rows(5));
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(chain.A, chain.A + ".csv"));
        // The transform names the columns so the run does not depend on how a whole-dataset read
        // treats the lake's own _ductus_* columns (at this branch's base it passes them on, and
        // the transform step refuses them).
        await engineer.CreatePipelineAsync($$"""
            name: {{chain.B}}
            source: { dataset: {{chain.A}} }
            transform: SELECT id, amount FROM source
            target: { dataset: {{chain.B}}, mode: replace }
            {{(withJoin ? "on: commit" : string.Empty)}}
            """);
        if (withJoin)
        {
            await engineer.CreatePipelineAsync($$"""
                name: {{chain.C}}
                source:
                  sql: SELECT a.id, a.amount + b.amount AS total FROM {{chain.A}} a JOIN {{chain.B}} b USING (id)
                target: { dataset: {{chain.C}}, mode: replace }
                schedule: "0 0 3 1 1 ?"
                """);
        }

        return chain;
    }

    private static async Task<JsonElement> LineageAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/lineage?" + query);
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static string[] Ids(JsonElement lineage) =>
        [.. lineage.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!)];

    private static string[] Edges(JsonElement lineage) =>
        [.. lineage.GetProperty("edges").EnumerateArray().Select(e => $"{e.GetProperty("from").GetString()} -> {e.GetProperty("to").GetString()}")];

    private static JsonElement Node(JsonElement lineage, string id) =>
        lineage.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == id);

    [Fact]
    public async Task The_graph_of_a_csv_pipeline_and_two_models_is_walked_up_down_and_both_ways()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (a, b, c) = await CreateChainAsync(engineer);

        var up1 = await LineageAsync(analyst, $"dataset={c}&direction=up&depth=1");
        Assert.Equal($"dataset:{c}", up1.GetProperty("root").GetString());
        Assert.Equal([$"dataset:{a}", $"dataset:{b}", $"dataset:{c}", $"model:{c}"], Ids(up1));
        Assert.Equal([$"dataset:{a} -> model:{c}", $"dataset:{b} -> model:{c}", $"model:{c} -> dataset:{c}"], Edges(up1));

        var up2 = await LineageAsync(analyst, $"dataset={c}&direction=up&depth=2");
        string[] everything = [$"dataset:{a}", $"dataset:{b}", $"dataset:{c}", $"model:{b}", $"model:{c}", $"pipeline:{a}", $"source:{a}"];
        string[] allEdges =
        [
            $"dataset:{a} -> model:{b}", $"dataset:{a} -> model:{c}", $"dataset:{b} -> model:{c}", $"model:{b} -> dataset:{b}",
            $"model:{c} -> dataset:{c}", $"pipeline:{a} -> dataset:{a}", $"source:{a} -> pipeline:{a}",
        ];
        Assert.Equal(everything, Ids(up2));
        Assert.Equal(allEdges, Edges(up2));

        var down1 = await LineageAsync(analyst, $"dataset={a}&direction=down&depth=1");
        Assert.Equal([$"dataset:{a}", $"dataset:{b}", $"dataset:{c}", $"model:{b}", $"model:{c}"], Ids(down1));
        Assert.Equal(
            [$"dataset:{a} -> model:{b}", $"dataset:{a} -> model:{c}", $"dataset:{b} -> model:{c}", $"model:{b} -> dataset:{b}", $"model:{c} -> dataset:{c}"],
            Edges(down1));

        var up1FromB = await LineageAsync(analyst, $"dataset={b}&direction=up&depth=1");
        Assert.Equal([$"dataset:{a}", $"dataset:{b}", $"model:{b}"], Ids(up1FromB));

        // Both ways and three hops are the defaults.
        var both = await LineageAsync(analyst, $"dataset={b}");
        Assert.Equal(everything, Ids(both));
        Assert.Equal(allEdges, Edges(both));

        // Nothing has run: the datasets are known from the specs only.
        var dataset = Node(both, $"dataset:{a}");
        Assert.Equal(("dataset", a), (dataset.GetProperty("kind").GetString(), dataset.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, dataset.GetProperty("currentVersion").ValueKind);
        Assert.Equal(JsonValueKind.Null, dataset.GetProperty("rowCount").ValueKind);
        var pipeline = Node(both, $"pipeline:{a}");
        Assert.Equal(("pipeline", a, "csv"), (pipeline.GetProperty("kind").GetString(), pipeline.GetProperty("name").GetString(), pipeline.GetProperty("sourceKind").GetString()));
        var source = Node(both, $"source:{a}");
        Assert.Equal(("source", a + ".csv", "csv"), (source.GetProperty("kind").GetString(), source.GetProperty("name").GetString(), source.GetProperty("sourceKind").GetString()));
        var modelB = Node(both, $"model:{b}");
        Assert.Equal(("model", b, "commit"), (modelB.GetProperty("kind").GetString(), modelB.GetProperty("name").GetString(), modelB.GetProperty("on").GetString()));
        Assert.Equal(JsonValueKind.Null, modelB.GetProperty("schedule").ValueKind);
        var modelC = Node(both, $"model:{c}");
        Assert.Equal(JsonValueKind.Null, modelC.GetProperty("on").ValueKind);
        Assert.Equal("0 0 3 1 1 ?", modelC.GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task Unknown_datasets_bad_parameters_and_missing_tokens_are_refused()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (a, _, _) = await CreateChainAsync(engineer, withJoin: false);

        var unknown = "nothing_" + Guid.NewGuid().ToString("N")[..8];
        using (var missing = await analyst.GetAsync($"/api/lineage?dataset={unknown}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            var error = (await missing.BodyAsync()).GetProperty("errors").EnumerateArray().Single();
            Assert.Equal("dataset", error.GetProperty("name").GetString());
            Assert.Contains(unknown, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        // Another workspace's dataset answers exactly like one nobody has.
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using (var foreign = await other.GetAsync($"/api/lineage?dataset={a}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }

        foreach (var (query, field) in new[]
        {
            ($"dataset={a}&direction=sideways", "direction"),
            ($"dataset={a}&depth=0", "depth"),
            ($"dataset={a}&depth=11", "depth"),
            ("direction=up", "dataset"),
        })
        {
            using var bad = await analyst.GetAsync("/api/lineage?" + query);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)bad.StatusCode}");
            Assert.Equal([field], await bad.ErrorNamesAsync());
        }

        using (var tenHops = await analyst.GetAsync($"/api/lineage?dataset={a}&depth=10"))
        {
            Assert.Equal(HttpStatusCode.OK, tenHops.StatusCode);
        }

        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using (var forbidden = await ingest.GetAsync($"/api/lineage?dataset={a}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var anonymous = stack.CreateApiClient();
        using var refused = await anonymous.SendPastAnonymousLimitAsync(() => new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative($"/api/lineage?dataset={a}")));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static async Task<JsonElement> ColumnsAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/lineage/columns?" + query);
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static string Upstream(JsonElement answer, string dataset, string column)
    {
        var entry = answer.GetProperty("datasets").EnumerateArray().Single(d => d.GetProperty("dataset").GetString() == dataset);
        var found = entry.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == column);
        Assert.Equal(JsonValueKind.Null, found.GetProperty("unknown").ValueKind);
        return string.Join(", ", found.GetProperty("upstream").EnumerateArray()
            .Select(u => $"{u.GetProperty("node").GetString()}.{u.GetProperty("column").GetString()} {u.GetProperty("how").GetString()}"));
    }

    [Fact]
    public async Task Column_lineage_of_a_model_joining_two_datasets_follows_renames_and_aggregates()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (a, b, c) = await CreateChainAsync(engineer);
        var d = "lin_d_" + Guid.NewGuid().ToString("N")[..8];
        await engineer.CreatePipelineAsync($$"""
            name: {{d}}
            source:
              sql: SELECT x.id AS key, sum(y.amount) AS spent FROM {{a}} x JOIN {{b}} y ON y.id = x.id GROUP BY x.id
            transform: SELECT key AS customer, spent FROM source
            target: { dataset: {{d}}, mode: replace }
            """);

        var answer = await ColumnsAsync(analyst, $"dataset={d}");
        Assert.Equal(d, answer.GetProperty("root").GetString());
        var own = answer.GetProperty("datasets").EnumerateArray().Single();
        Assert.Equal([$"model:{d}"], own.GetProperty("writers").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(["customer", "spent"], own.GetProperty("columns").EnumerateArray().Select(col => col.GetProperty("name").GetString()));
        Assert.Equal($"dataset:{a}.id direct", Upstream(answer, d, "customer"));
        Assert.Equal($"dataset:{b}.amount expression", Upstream(answer, d, "spent"));

        var joined = await ColumnsAsync(analyst, $"dataset={c}");
        Assert.Equal($"dataset:{a}.amount expression, dataset:{b}.amount expression", Upstream(joined, c, "total"));

        // Two more hops: b's amount is a's, and a's columns are its CSV source's.
        var deep = await ColumnsAsync(analyst, $"dataset={d}&depth=3");
        Assert.Equal([d, a, b], deep.GetProperty("datasets").EnumerateArray().Select(x => x.GetProperty("dataset").GetString()));
        Assert.Equal($"dataset:{a}.amount direct", Upstream(deep, b, "amount"));
        Assert.Equal($"source:{a}.id direct", Upstream(deep, a, "id"));
        Assert.Equal($"source:{a}.amount direct", Upstream(deep, a, "amount"));
    }

    [Fact]
    public async Task Column_lineage_refuses_unknown_datasets_and_bad_parameters()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (a, _, _) = await CreateChainAsync(engineer, withJoin: false);

        var unknown = "nothing_" + Guid.NewGuid().ToString("N")[..8];
        using (var missing = await analyst.GetAsync($"/api/lineage/columns?dataset={unknown}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal(["dataset"], await missing.ErrorNamesAsync());
        }

        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using (var foreign = await other.GetAsync($"/api/lineage/columns?dataset={a}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }

        foreach (var (query, field) in new[] { ($"dataset={a}&depth=0", "depth"), ($"dataset={a}&depth=11", "depth"), ("depth=2", "dataset") })
        {
            using var bad = await analyst.GetAsync("/api/lineage/columns?" + query);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)bad.StatusCode}");
            Assert.Equal([field], await bad.ErrorNamesAsync());
        }

        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using var forbidden = await ingest.GetAsync($"/api/lineage/columns?dataset={a}");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task A_model_run_lists_the_version_of_each_input_it_read()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (a, b, _) = await CreateChainAsync(engineer, withJoin: false);

        var load = await RunToEndAsync(engineer, analyst, a);
        Assert.Equal(0, load.GetProperty("inputs").GetArrayLength());
        using var dataset = await analyst.GetAsync($"/api/datasets/{a}");
        var version = (await dataset.BodyAsync()).GetProperty("currentVersion").GetInt64();
        Assert.Equal(load.GetProperty("snapshotVersion").GetInt64(), version);

        var model = await RunToEndAsync(engineer, analyst, b);
        var inputs = model.GetProperty("inputs").EnumerateArray().Select(i => $"{i.GetProperty("dataset").GetString()}@{i.GetProperty("version").GetInt64()}");
        Assert.Equal([$"{a}@{version}"], inputs);

        // A listing does not read inputs: it would cost a query per run.
        using var listed = await analyst.GetAsync($"/api/runs?pipeline={b}");
        Assert.All((await listed.BodyAsync()).GetProperty("items").EnumerateArray(), r => Assert.False(r.TryGetProperty("inputs", out _)));

        // The graph now carries the catalog's facts.
        var lineage = await LineageAsync(analyst, $"dataset={b}&direction=up");
        Assert.Equal((version, 5L), (Node(lineage, $"dataset:{a}").GetProperty("currentVersion").GetInt64(), Node(lineage, $"dataset:{a}").GetProperty("rowCount").GetInt64()));
        Assert.Equal(5, Node(lineage, $"dataset:{b}").GetProperty("rowCount").GetInt64());
    }

    [Fact]
    public async Task The_openapi_document_gives_clients_the_lineage_shapes_and_run_inputs()
    {
        using var http = stack.CreateApiClient();
        var document = JsonDocument.Parse(await http.GetStringAsync(ApiJson.Relative("/openapi/v1.json"))).RootElement;
        var operation = document.GetProperty("paths").GetProperty("/api/lineage").GetProperty("get");
        // The document spells query parameters as the request's properties, like every endpoint's; binding ignores case.
        Assert.Equal(
            ["dataset", "depth", "direction"],
            operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!.ToLowerInvariant()).Order(StringComparer.Ordinal));

        var schemas = document.GetProperty("components").GetProperty("schemas");
        string[] Properties(string schema) =>
            [.. schemas.GetProperty("DuctusApiFeatures" + schema).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(["edges", "nodes", "root"], Properties("LineageLineageView"));
        Assert.Equal(["currentVersion", "id", "kind", "name", "on", "rowCount", "schedule", "sourceKind"], Properties("LineageLineageNode"));
        Assert.Equal(["from", "to"], Properties("LineageLineageEdge"));
        Assert.Contains("inputs", Properties("RunsRun"));
        Assert.Equal(["dataset", "version"], Properties("RunsPinnedInput"));
    }

    /// <summary>Triggers a run of <paramref name="pipeline"/> and waits until it succeeds; a failure fails the test with the run's error.</summary>
    private static async Task<JsonElement> RunToEndAsync(HttpClient engineer, HttpClient analyst, string pipeline)
    {
        using var triggered = await engineer.PostAsync($"/api/pipelines/{pipeline}/runs");
        var queued = await triggered.BodyAsync();
        Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, queued.ToString());
        var id = queued.GetProperty("id").GetGuid();
        var run = await Eventually.Async(
            async () =>
            {
                using var read = await analyst.GetAsync($"/api/runs/{id}");
                return await read.BodyAsync();
            },
            r => r.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled",
            RunTimeout,
            $"the run of {pipeline} ending");
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"the run of {pipeline} did not succeed: {run}");
        return run;
    }
}
