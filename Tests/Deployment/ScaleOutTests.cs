using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Tests.Infrastructure;
using Quartz;
using Xunit.Abstractions;

namespace Ductus.Tests.Deployment;

/// <summary>
/// Scale-out on this machine: the published services, two replicas each of api, analytics and
/// pipelines, on one PostgreSQL, one Redis and one shared lake folder (<see cref="ScaleOutDeployment"/>),
/// driven only through the replicas' own HTTP ports. Every test starts with all six replicas up.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class ScaleOutTests(StackFixture stack, ScaleOutDeployment deployment, ITestOutputHelper output)
    : IClassFixture<ScaleOutDeployment>, IAsyncLifetime
{
    private const string Workspace = "default";

    private static int _nonce;

    private string _token = null!;

    public async Task InitializeAsync()
    {
        await deployment.EnsureRunningAsync(stack);
        _token = await deployment.TokenAsync();
        output.WriteLine(
            $"publish (4 projects) {deployment.PublishTook.TotalSeconds:0.0} s, migrator {deployment.MigrationTook.TotalSeconds:0.0} s, " +
            $"6 replicas healthy {deployment.StartTook.TotalSeconds:0.0} s after starting together");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Api(int replica) => ScaleOutDeployment.Client(deployment.Api(replica), _token);

    private static string NewName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    private Task WriteSpecAsync(string name, string source, string extra = "") =>
        File.WriteAllTextAsync(Path.Combine(deployment.PipelinesFolder, $"{name}.yaml"), CsvPipeline.Spec(name, source, extra));

    /// <summary>A pipeline on a CSV file in the shared sources folder.</summary>
    private async Task<Guid> LocalPipelineAsync(string name, int rows, string extra = "")
    {
        await File.WriteAllTextAsync(Path.Combine(deployment.Sources, $"{name}.csv"), CsvPipeline.Rows(rows));
        await WriteSpecAsync(name, $"{name}.csv", extra);
        return await LoadedAsync(name);
    }

    private async Task<Guid> LoadedAsync(string name)
    {
        var ws = await Eventually.Async(() => deployment.Catalog.Workspaces.FindAsync(Workspace), w => w is not null, TimeSpan.FromSeconds(30), "the workspace");
        await Eventually.Async(() => deployment.Catalog.Pipelines.GetAsync(ws!.Value, name), p => p is not null, TimeSpan.FromSeconds(30), $"pipeline {name} in the catalog");
        return ws!.Value;
    }

    private async Task<Guid> TriggerAsync(int api, string name)
    {
        using var client = Api(api);
        using var response = await client.PostAsync(new Uri($"/api/pipelines/{name}/runs", UriKind.Relative), null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/pipelines/{name}/runs through api-{api} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private async Task<RunRecord> FinishedAsync(Guid ws, Guid run, TimeSpan timeout) =>
        (await Eventually.Async(
            () => deployment.Catalog.Runs.GetAsync(ws, run),
            r => r?.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled,
            timeout,
            $"run {run} finishing"))!;

    private async Task<IReadOnlyList<RunRecord>> RunsAsync(Guid ws, string pipeline) =>
        [.. (await deployment.Catalog.Runs.ListAsync(ws, new RunFilter(pipeline), null, 500)).Items.OrderBy(r => r.CreatedAt)];

    private static string Describe(IEnumerable<RunRecord> runs) =>
        string.Join("; ", runs.Select(r => $"{r.Trigger} {r.Status} created {r.CreatedAt:HH:mm:ss.fff} on {r.Node} attempt {r.Attempt}"));

    private sealed record Answer(HttpStatusCode Status, long Rows, string? Versions, string? Cache, string Body);

    /// <summary>
    /// Counts a dataset's rows through one Api replica. Each call binds a parameter of its own, so
    /// it misses the shared result cache and is answered by an analytics replica.
    /// </summary>
    private async Task<Answer> CountAsync(int api, string dataset)
    {
        using var client = Api(api);
        using var response = await client.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new
        {
            sql = $"SELECT count(*) AS n FROM {dataset} WHERE id > $floor",
            parameters = new { floor = -Interlocked.Increment(ref _nonce) },
        });
        var body = await response.Content.ReadAsStringAsync();
        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
        var rows = response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("rows")[0][0].GetInt64() : -1;
        return new Answer(response.StatusCode, rows, Header(DuctusHeaders.Versions), Header(DuctusHeaders.Cache), body);
    }

    private async Task AssertBothApisSeeAsync(string dataset, long rows, long version)
    {
        for (var api = 1; api <= ScaleOutDeployment.Replicas; api++)
        {
            var answer = await CountAsync(api, dataset);
            Assert.True(answer.Status == HttpStatusCode.OK, $"query through api-{api} answered {(int)answer.Status}: {answer.Body}");
            Assert.Equal("miss", answer.Cache);
            Assert.Equal($"{dataset}={version}", answer.Versions);
            Assert.Equal(rows, answer.Rows);
        }
    }

    /// <summary>
    /// A published Api has no build tree around it: the document's descriptions of FastEndpoints'
    /// types came from the NuGet cache through <c>obj/</c>, and a container served a document
    /// without them. The stack's Api runs from a build output.
    /// </summary>
    [Fact]
    public async Task A_published_api_serves_the_same_openapi_document_as_the_stack_api()
    {
        using var published = Api(1);
        using var built = stack.CreateApiClient();
        var fromPublished = await OpenApiDocumentAsync(published);
        var fromBuilt = await OpenApiDocumentAsync(built);
        Assert.Contains("RFC9457", fromBuilt, StringComparison.Ordinal);
        Assert.Equal(fromBuilt, fromPublished);
    }

    /// <summary>The document without <c>servers</c>, which names the host it was fetched from.</summary>
    private static async Task<string> OpenApiDocumentAsync(HttpClient client)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!.AsObject();
        document.Remove("servers");
        return document.ToJsonString();
    }

    [Fact]
    public async Task A_run_triggered_through_either_api_runs_exactly_once_and_both_apis_query_its_snapshot()
    {
        var name = NewName("once");
        var ws = await LocalPipelineAsync(name, rows: 100);

        for (var version = 1; version <= 2; version++)
        {
            // The first run through api-1, the second through api-2; each is read back through the other.
            var through = version;
            var id = await TriggerAsync(through, name);
            var run = await FinishedAsync(ws, id, TimeSpan.FromSeconds(60));
            Assert.True(run.Status == RunStatus.Succeeded, $"{run.Status} {run.Error}\n{deployment.Logs}");
            Assert.Equal(version, run.SnapshotVersion);
            using (var other = Api(3 - through))
            {
                using var shown = JsonDocument.Parse(await other.GetStringAsync(new Uri($"/api/runs/{id}", UriKind.Relative)));
                Assert.Equal("succeeded", shown.RootElement.GetProperty("status").GetString());
            }

            await AssertBothApisSeeAsync(name, 100L * version, version);
        }

        // Both replicas poll for queued runs (every 2 s) besides the Redis nudge: a second
        // dispatch of either run would have shown by now as a third run or a second attempt.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var runs = await RunsAsync(ws, name);
        output.WriteLine($"runs: {Describe(runs)}");
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.Equal(RunStatus.Succeeded, r.Status);
            Assert.Equal(RunTrigger.Api, r.Trigger);
            Assert.Equal(1, r.Attempt);
            Assert.Contains(r.Node, deployment.PipelinesReplicas.Select(p => p.Node));
        });
        // Two replicas watching one folder store the spec once.
        Assert.Equal(1, (await deployment.Catalog.Pipelines.GetAsync(ws, name))!.Version);
        var dataset = await deployment.Catalog.Datasets.GetAsync(ws, name);
        Assert.Equal((2L, 200L), (dataset!.CurrentVersion!.Value, dataset.RowCount));
    }

    [Fact]
    public async Task A_cron_schedule_fires_once_per_fire_time_across_both_pipelines_replicas()
    {
        const int fires = 5;
        const int spacing = 3;
        var name = NewName("cron");
        // Fire times far enough ahead for the spec to load (and the never-loaded run it gets at
        // once to finish), all in one minute so a seconds list describes them.
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddSeconds(10);
        if (first.Second + (spacing * (fires - 1)) > 59)
        {
            first = first.AddSeconds(61 - first.Second);
        }

        var seconds = string.Join(',', Enumerable.Range(0, fires).Select(i => (first.Second + (i * spacing)).ToString(CultureInfo.InvariantCulture)));
        var cron = $"{seconds} {first.Minute} {first.Hour} {first.Day} {first.Month} ? {first.Year}";
        var fireTimes = FireTimes(cron, first.AddSeconds(-1));
        Assert.Equal(fires, fireTimes.Count);

        var ws = await LocalPipelineAsync(name, rows: 10, $"schedule: \"{cron}\"\n");
        Assert.True(DateTimeOffset.UtcNow < first.AddSeconds(-2), "the pipeline took too long to load for the fire times chosen");
        var wait = fireTimes[^1].AddSeconds(spacing) - DateTimeOffset.UtcNow;
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        var runs = await Eventually.Async(
            () => RunsAsync(ws, name),
            r => r.All(x => x.Status != RunStatus.Running && x.Status != RunStatus.Queued),
            TimeSpan.FromSeconds(30),
            "the last scheduled run finishing");

        var context = $"cron {cron}; runs: {Describe(runs)}";
        Assert.All(runs, r => Assert.Equal(RunTrigger.Schedule, r.Trigger));
        Assert.All(runs, r => Assert.True(r.Status == RunStatus.Succeeded && r.Attempt == 1, context));
        // A scheduled pipeline never loaded runs once at load, before its first fire time.
        Assert.True(runs.Count(r => r.CreatedAt < first) == 1, "one never-loaded run expected; " + context);
        var perFire = fireTimes.Select(f => runs.Where(r => r.CreatedAt >= f && r.CreatedAt < f.AddSeconds(spacing)).ToList()).ToList();
        Assert.True(perFire.All(p => p.Count == 1), "one run per fire time expected; " + context);
        Assert.Equal(fires + 1, runs.Count);

        var late = perFire.Select((p, i) => (p[0].CreatedAt - fireTimes[i]).TotalMilliseconds).ToList();
        output.WriteLine($"{fires} fire times, {perFire.Sum(p => p.Count)} runs ({string.Join(", ", perFire.Select(p => p.Count))} per fire time); " +
            $"run created {late.Min():0}-{late.Max():0} ms after its fire time; nodes: " +
            string.Join(", ", perFire.GroupBy(p => p[0].Node).Select(g => $"{g.Key} ×{g.Count()}")));
    }

    [Fact]
    public async Task The_rate_limit_is_one_budget_shared_by_both_api_replicas()
    {
        // A key without a limit of its own gets the deployment's Ductus__RateLimit__PermitLimit.
        string token;
        using (var anonymous = ScaleOutDeployment.Client(deployment.Api(2)))
        using (var admin = ScaleOutDeployment.Client(deployment.Api(2), await anonymous.GetTokenAsync(ClientCredentials.BootstrapAdminClientId, deployment.AdminKey)))
        {
            var key = await admin.CreateKeyAsync([Roles.Analyst], name: "rate limited");
            token = await anonymous.GetTokenAsync(key.ClientId, key.ClientSecret);
        }

        var answers = new List<(int Api, HttpStatusCode Status, string Body)>();
        for (var i = 0; i < 2 * ScaleOutDeployment.PermitLimit; i++)
        {
            var api = 1 + (i % ScaleOutDeployment.Replicas);
            using var client = ScaleOutDeployment.Client(deployment.Api(api), token);
            using var response = await client.GetAsync(new Uri("/api/datasets", UriKind.Relative));
            answers.Add((api, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        // Per-replica counters would have let each replica answer its 20 (all 40 requests).
        var context = string.Join(", ", answers.Select(a => $"api-{a.Api} {(int)a.Status}"));
        Assert.True(answers.Take(ScaleOutDeployment.PermitLimit).All(a => a.Status == HttpStatusCode.OK), context);
        Assert.True(answers.Skip(ScaleOutDeployment.PermitLimit).All(a => a.Status == HttpStatusCode.TooManyRequests), context);
        Assert.Equal(
            Enumerable.Range(1, ScaleOutDeployment.Replicas),
            answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).Select(a => a.Api).Distinct().Order());
        using var problem = JsonDocument.Parse(answers[^1].Body);
        Assert.StartsWith($"This client may make {ScaleOutDeployment.PermitLimit} requests per 60 s", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_one_replica_of_each_service_mid_run_loses_nothing()
    {
        var name = NewName("kill");
        // The second run's first execution stalls mid-extract until its node is dead.
        await using var source = new StallingCsvSource(rows: 1000, stalled: 2, longest: TimeSpan.FromSeconds(120));
        await WriteSpecAsync(name, source.For(name).ToString());
        var ws = await LoadedAsync(name);
        var first = await FinishedAsync(ws, await TriggerAsync(1, name), TimeSpan.FromSeconds(60));
        Assert.True(first.Status == RunStatus.Succeeded, $"{first.Status} {first.Error}\n{deployment.Logs}");
        await AssertBothApisSeeAsync(name, 1000, 1);

        // Accepted by api-1, which then dies with the pipelines replica running the run and an
        // analytics replica that api-2 still lists.
        var id = await TriggerAsync(1, name);
        var running = await Eventually.Async(
            () => deployment.Catalog.Runs.GetAsync(ws, id),
            r => r!.Status == RunStatus.Running && source.Requests == 2,
            TimeSpan.FromSeconds(30),
            "the second run starting");
        var victim = deployment.PipelinesReplicas.Single(p => p.Node == running!.Node);
        var survivor = deployment.PipelinesReplicas.Single(p => p != victim);
        var killedAt = DateTimeOffset.UtcNow;
        await Task.WhenAll(victim.KillAsync(), deployment.Api(1).KillAsync(), deployment.Analytics(1).KillAsync());
        source.Release();

        // Queries keep coming through the surviving api while the run is taken over.
        var answered = new List<Answer>();
        RunRecord? run;
        while ((run = await deployment.Catalog.Runs.GetAsync(ws, id))!.Status is RunStatus.Running or RunStatus.Queued)
        {
            Assert.True(DateTimeOffset.UtcNow - killedAt < TimeSpan.FromSeconds(90), $"the run was not recovered within 90 s\n{deployment.Logs}");
            var answer = await CountAsync(2, name);
            answered.Add(answer);
            Assert.True(answer.Status == HttpStatusCode.OK, $"query {answered.Count} after the kills answered {(int)answer.Status}: {answer.Body}");
            Assert.True(answer.Versions == $"{name}={answer.Rows / 1000}" && answer.Rows is 1000 or 2000, $"{answer.Rows} rows at {answer.Versions}");
            await Task.Delay(250);
        }

        output.WriteLine($"run taken over by the other pipelines replica {(run.StartedAt!.Value - killedAt).TotalSeconds:0.0} s after the kills, " +
            $"finished {(run.FinishedAt!.Value - killedAt).TotalSeconds:0.0} s after; " +
            $"{answered.Count} queries through api-2 meanwhile, all answered");
        Assert.True(run.Status == RunStatus.Succeeded, $"{run.Status} {run.Error}\n{deployment.Logs}");
        Assert.Equal(survivor.Node, run.Node);
        Assert.Equal(2, run.Attempt);
        Assert.Equal(1000, run.RowsLoaded);
        Assert.Equal(3, source.Requests);
        Assert.Equal(2, (await RunsAsync(ws, name)).Count);
        // Round robin sends one of any two queries to the dead analytics replica first.
        Assert.True(answered.Count >= 2, $"only {answered.Count} queries during the takeover");

        // The lake holds exactly the current snapshot's files: nothing of the killed execution.
        var current = await deployment.Catalog.Datasets.GetSnapshotAsync(ws, name, null);
        Assert.Equal(2, current!.Snapshot.Version);
        Assert.Equal(
            current.Files.Select(f => Path.GetFileName(f.RelativePath)).Order(),
            Directory.GetFiles(Path.Combine(deployment.Lake, Workspace, name), "*.parquet").Select(Path.GetFileName).Order());
        var after = await CountAsync(2, name);
        Assert.Equal((HttpStatusCode.OK, 2000L, $"{name}=2"), (after.Status, after.Rows, after.Versions));

        // Replaced like a platform replaces dead containers, the three rejoin at their old addresses.
        await deployment.EnsureRunningAsync(stack);
        await AssertBothApisSeeAsync(name, 2000, 2);
    }

    private static List<DateTimeOffset> FireTimes(string cron, DateTimeOffset after)
    {
        var expression = new CronExpression(cron, TimeZoneInfo.Utc);
        var times = new List<DateTimeOffset>();
        for (var next = expression.GetNextValidTimeAfter(after); next is { } t; next = expression.GetNextValidTimeAfter(t))
        {
            times.Add(t);
        }

        return times;
    }
}
