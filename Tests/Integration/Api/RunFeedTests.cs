using System.Net;
using System.Net.Http.Headers;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary><c>GET /api/runs/events</c>: every run of the caller's workspace, live, and no other workspace's.</summary>
[Collection(StackDefinition.Name)]
public sealed class RunFeedTests(StackFixture stack)
{
    private static HttpRequestMessage FeedRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative("/api/runs/events"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    /// <summary>Creates a flights pipeline reading a copy of the engine tests' flights.csv under <paramref name="root"/> and queues a run of it.</summary>
    private static async Task<Guid> TriggerFlightsAsync(HttpClient client, string root, string name)
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "engine", "flights.csv"), Path.Combine(root, $"{name}.csv"));
        using (var created = await client.PostAsync("/api/pipelines", ApiJson.Yaml(RunEventsTests.FlightsSpec(name))))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var triggered = await client.PostAsync($"/api/pipelines/{name}/runs");
        Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        return (await triggered.BodyAsync()).GetProperty("id").GetGuid();
    }

    private static async Task<string> StatusAsync(HttpClient client, Guid run)
    {
        using var response = await client.GetAsync($"/api/runs/{run}");
        return (await response.BodyAsync()).GetProperty("status").GetString()!;
    }

    private static Guid RunIdOf(ServerEvent e) => e.Data.GetProperty(e.Name == "run" ? "id" : "runId").GetGuid();

    [Fact]
    public async Task The_workspace_stream_shows_a_triggered_runs_statuses_and_steps_and_no_other_workspaces_runs()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var (_, granted) = await stack.ClientOfGrantedWorkspaceAsync();

        using var request = FeedRequest();
        using var response = await analyst.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStreamAsync();

        // Another workspace's run goes all the way while the stream is open.
        var foreign = await TriggerFlightsAsync(granted, stack.GrantedWorkspaceRoot, "feed-other-" + Guid.NewGuid().ToString("N")[..8]);
        await Eventually.Async(() => StatusAsync(granted, foreign), s => s == "succeeded", TimeSpan.FromSeconds(90), "the other workspace's run");

        var name = "feed-" + Guid.NewGuid().ToString("N")[..8];
        var own = await TriggerFlightsAsync(engineer, stack.SourceRoot, name);
        var events = await ServerEvents.ReadAsync(body, e => e.Name == "run" && RunIdOf(e) == own && e.Data.GetProperty("status").GetString() == "succeeded");

        Assert.DoesNotContain(events, e => RunIdOf(e) == foreign);
        var mine = events.Where(e => RunIdOf(e) == own).ToList();
        Assert.Equal(["queued", "running", "succeeded"], mine.Where(e => e.Name == "run").Select(e => e.Data.GetProperty("status").GetString()));
        Assert.All(mine.Where(e => e.Name == "run"), e => Assert.Equal(name, e.Data.GetProperty("pipeline").GetString()));
        var final = mine[^1].Data;
        Assert.Equal((4L, 4L), (final.GetProperty("rowsLoaded").GetInt64(), final.GetProperty("rowsRejected").GetInt64()));
        var load = mine.Single(e => e.Name == "step" && e.Data.GetProperty("step").GetString() == "load" && e.Data.GetProperty("state").GetString() == "finished");
        Assert.Equal((name, 4L), (load.Data.GetProperty("pipeline").GetString(), load.Data.GetProperty("rows").GetInt64()));
    }

    [Fact]
    public async Task Without_redis_the_stream_says_so_instead_of_staying_silent()
    {
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using (var refused = await ingest.SendAsync(FeedRequest()))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var request = FeedRequest();
        using var open = await analyst.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        var body = await open.Content.ReadAsStreamAsync();

        await using (await RedisOutage.StartAsync(stack))
        {
            var events = await ServerEvents.ReadAsync(body);
            var error = Assert.Single(events);
            Assert.Equal("error", error.Name);
            Assert.Contains("Redis", error.Data.GetProperty("detail").GetString(), StringComparison.Ordinal);

            using var later = await analyst.SendAsync(FeedRequest());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
            Assert.Equal("application/problem+json", later.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Redis", await later.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
