using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;
using Ductus.Tests.Integration.Query;
using Npgsql;

namespace Ductus.Tests.Integration.Runs;

/// <summary>Models on the real stack: saved through the Api, run by the Pipelines service, chained on commit.</summary>
[Collection(StackDefinition.Name)]
public sealed class ModelRunTests(StackFixture stack)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_chain_of_three_models_runs_in_order_once_after_one_upstream_commit()
    {
        using var engineer = await stack.CreateClientWithRolesAsync(Roles.Engineer);
        var p = "m" + Guid.NewGuid().ToString("N")[..8];
        var (orders, daily, ranked, report) = ($"{p}_orders", $"{p}_daily", $"{p}_ranked", $"{p}_report");
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{orders}.csv"), "id,day,amount\n1,1,10\n2,1,30\n3,2,5\n4,3,7\n5,3,1\n");
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(orders, $"{orders}.csv").Replace("amount: {", "day: { type: integer }\n    amount: {", StringComparison.Ordinal));
        // Saved downstream first: a chain may be described before anything has run.
        await engineer.CreatePipelineAsync(Model(daily, $"SELECT day, sum(amount) AS total, count(*) AS orders FROM {orders} GROUP BY day"));
        await engineer.CreatePipelineAsync(Model(ranked, $"SELECT day, total, rank() OVER (ORDER BY total DESC) AS place FROM {daily}"));
        await engineer.CreatePipelineAsync(Model(report, $"SELECT r.day, r.place, d.orders FROM {ranked} r JOIN {daily} d USING (day) JOIN (SELECT DISTINCT day FROM {orders}) o USING (day)"));

        var upstream = await TriggerAsync(engineer, orders);
        var last = await Eventually.Async(() => RunsOfAsync(engineer, report), runs => runs.Any(r => r.Status is "succeeded" or "failed"), RunTimeout, "the last model's run");
        // Anything a duplicate trigger would queue is queued within a poll of the commits.
        await Task.Delay(TimeSpan.FromSeconds(5));

        var chain = new List<RunView>();
        foreach (var model in new[] { daily, ranked, report })
        {
            var runs = await RunsOfAsync(engineer, model);
            var run = Assert.Single(runs);
            Assert.True(run.Status == "succeeded", $"{model}: {run.Status} {run.Error}");
            Assert.Equal("upstream", run.Trigger);
            chain.Add(run);
        }

        Assert.True(upstream.FinishedAt <= chain[0].StartedAt, "the first model started before its input committed");
        Assert.True(chain[0].FinishedAt <= chain[1].StartedAt && chain[1].FinishedAt <= chain[2].StartedAt, "the models did not run in order");
        Assert.Equal("succeeded", last.Single().Status);

        // The last model's rows are the chain's result: days ranked by total, with order counts.
        using var rows = await engineer.PostAsync("/api/query", ApiJson.Json(JsonSerializer.Serialize(new { sql = $"SELECT day, place, orders FROM {report} ORDER BY day" })));
        var body = await rows.BodyAsync();
        Assert.True(rows.IsSuccessStatusCode, body.ToString());
        var result = body.GetProperty("rows").EnumerateArray().Select(r => string.Join(',', r.EnumerateArray().Select(v => v.ToString()))).ToList();
        Assert.Equal(["1,1,2", "2,3,1", "3,2,2"], result);
    }

    [Fact]
    public async Task A_run_pins_each_input_at_the_snapshot_it_read()
    {
        var airports = ApiLake.NewDatasetName();
        var flights = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, airports, "iata,name\nJFK,Kennedy\nLAX,Los Angeles\n");
        await ApiLake.LoadCsvAsync(stack, flights, "origin,delay\nJFK,10\nJFK,20\nLAX,5\n");
        await ApiLake.LoadCsvAsync(stack, flights, "origin,delay\nLAX,7\n");
        using var engineer = await stack.CreateClientWithRolesAsync(Roles.Engineer);
        var model = ApiLake.NewDatasetName();
        await engineer.CreatePipelineAsync(Model(model, $"SELECT a.name, avg(f.delay) AS delay FROM {flights} f JOIN {airports} a ON a.iata = f.origin GROUP BY a.name", on: false));

        var run = await TriggerAsync(engineer, model);

        Assert.True(run.Status == "succeeded", run.Error);
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = await stack.CatalogAsync(db);
        var inputs = (await catalog.Models.OfRunAsync(ApiLake.DefaultWorkspace, run.Id)).Inputs;
        Assert.Equal([new RunInput(airports, 1), new RunInput(flights, 2)], inputs.OrderBy(i => i.Dataset == flights).ToList());
        var pipeline = await catalog.Pipelines.GetAsync(ApiLake.DefaultWorkspace, model);
        Assert.Equal(new[] { airports, flights }.Order(StringComparer.Ordinal), pipeline!.Inputs.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_cycle_or_another_workspaces_dataset_is_refused_when_the_spec_is_saved()
    {
        using var engineer = await stack.CreateClientWithRolesAsync(Roles.Engineer);
        var p = "c" + Guid.NewGuid().ToString("N")[..8];
        var (a, b, c) = ($"{p}_a", $"{p}_b", $"{p}_c");
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{a}.csv"), "id,amount\n1,1\n");
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(a, $"{a}.csv"));
        await engineer.CreatePipelineAsync(Model(b, $"SELECT * FROM {a}"));
        await engineer.CreatePipelineAsync(Model(c, $"SELECT * FROM {b}"));

        using (var cycle = await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{b}"), ApiJson.Yaml(Model(b, $"SELECT * FROM {a} UNION ALL SELECT * FROM {c}"))))
        {
            var problem = await cycle.BodyAsync();
            Assert.True(cycle.StatusCode == HttpStatusCode.BadRequest, problem.ToString());
            Assert.Contains($"makes a cycle: {c} → {b} → {c}", problem.ToString(), StringComparison.Ordinal);
            Assert.Contains("source.sql", await cycle.ErrorNamesAsync());
        }

        using (var self = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(Model($"{p}_d", $"SELECT * FROM {p}_d"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        }

        // Another workspace's dataset is not a name this workspace has: refused like a typo.
        var foreign = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, foreign, "id\n1\n", workspace: "w" + p);
        using var crossing = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(Model($"{p}_e", $"SELECT * FROM {foreign}")));
        var refusal = await crossing.BodyAsync();
        Assert.True(crossing.StatusCode == HttpStatusCode.BadRequest, refusal.ToString());
        Assert.Contains(foreign, refusal.ToString(), StringComparison.Ordinal);
        Assert.Contains("source.sql", await crossing.ErrorNamesAsync());
    }

    [Fact]
    public async Task Validating_a_change_shows_what_a_model_reads_and_the_models_downstream()
    {
        using var engineer = await stack.CreateClientWithRolesAsync(Roles.Engineer);
        var p = "v" + Guid.NewGuid().ToString("N")[..8];
        var (a, b, c, d) = ($"{p}_a", $"{p}_b", $"{p}_c", $"{p}_d");
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{a}.csv"), "id,amount\n1,1\n");
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(a, $"{a}.csv"));
        await engineer.CreatePipelineAsync(Model(b, $"SELECT * FROM {a}"));
        await engineer.CreatePipelineAsync(Model(c, $"SELECT * FROM {b}", on: false));

        using var plan = await engineer.PostAsync("/api/pipelines/validate", ApiJson.Yaml(CsvPipeline.Spec(a, $"{a}.csv")));
        var body = await plan.BodyAsync();
        Assert.True(plan.IsSuccessStatusCode, body.ToString());
        Assert.Empty(body.GetProperty("inputs").EnumerateArray());
        var downstream = body.GetProperty("downstream").EnumerateArray()
            .Select(m => $"{m.GetProperty("pipeline").GetString()}:{m.GetProperty("distance").GetInt32()}:{m.GetProperty("rebuild").GetString()}:{m.GetProperty("onCommit").GetBoolean()}")
            .ToList();
        Assert.Equal([$"{b}:1:full:True", $"{c}:2:full:False"], downstream);

        using var model = await engineer.PostAsync("/api/pipelines/validate", ApiJson.Yaml(Model(d, $"SELECT * FROM {b} JOIN {a} USING (id)")));
        var modelPlan = await model.BodyAsync();
        Assert.True(model.IsSuccessStatusCode, modelPlan.ToString());
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), modelPlan.GetProperty("inputs").EnumerateArray().Select(i => i.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_failed_upstream_run_starts_nothing_downstream()
    {
        using var engineer = await stack.CreateClientWithRolesAsync(Roles.Engineer);
        var p = "f" + Guid.NewGuid().ToString("N")[..8];
        var (a, b) = ($"{p}_a", $"{p}_b");
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{a}.csv"), "id,amount\n1,1\n");
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(a, $"{a}.csv"));
        await engineer.CreatePipelineAsync(Model(b, $"SELECT * FROM {a}"));
        Assert.Equal("succeeded", (await TriggerAsync(engineer, a)).Status);
        await Eventually.Async(() => RunsOfAsync(engineer, b), runs => runs.Any(r => r.Status == "succeeded"), RunTimeout, "the model after the first load");

        // Negative amounts break the contract's min: 0 on every row, so the run fails its ratio.
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, $"{a}.csv"), "id,amount\n2,-1\n");
        var strict = CsvPipeline.Spec(a, $"{a}.csv").Replace("contract:\n", "contract:\n  max_reject_ratio: 0\n", StringComparison.Ordinal);
        using (var put = await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{a}"), ApiJson.Yaml(strict)))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        Assert.Equal("failed", (await TriggerAsync(engineer, a)).Status);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(await RunsOfAsync(engineer, b));
    }

    internal static string Model(string name, string sql, bool on = true) =>
        $"""
        name: {name}
        source:
          sql: "{sql}"
        target: {"{"} dataset: {name}, mode: replace {"}"}
        {(on ? "on: commit" : "")}

        """;

    /// <summary>Queues a run of <paramref name="pipeline"/> and waits for its end.</summary>
    internal static async Task<RunView> TriggerAsync(HttpClient client, string pipeline)
    {
        using var triggered = await client.PostAsync($"/api/pipelines/{pipeline}/runs");
        Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        var id = (await triggered.BodyAsync()).GetProperty("id").GetGuid();
        return await Eventually.Async(
            async () =>
            {
                using var response = await client.GetAsync($"/api/runs/{id}");
                return RunView.From(await response.BodyAsync());
            },
            run => run.Status is "succeeded" or "failed" or "cancelled",
            RunTimeout,
            $"run {id} of {pipeline}");
    }

    internal static async Task<IReadOnlyList<RunView>> RunsOfAsync(HttpClient client, string pipeline)
    {
        using var response = await client.GetAsync($"/api/runs?pipeline={pipeline}");
        return [.. (await response.BodyAsync()).GetProperty("items").EnumerateArray().Select(RunView.From)];
    }

    internal sealed record RunView(Guid Id, string Status, string Trigger, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error)
    {
        public static RunView From(JsonElement run) => new(
            run.GetProperty("id").GetGuid(),
            run.GetProperty("status").GetString()!,
            run.GetProperty("trigger").GetString()!,
            run.GetProperty("startedAt").ValueKind == JsonValueKind.Null ? null : run.GetProperty("startedAt").GetDateTimeOffset(),
            run.GetProperty("finishedAt").ValueKind == JsonValueKind.Null ? null : run.GetProperty("finishedAt").GetDateTimeOffset(),
            run.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null);
    }
}
