using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Api;

/// <summary><c>GET /api/runs/{id}/events</c>: a run's progress as server-sent events, across processes.</summary>
[Collection(StackDefinition.Name)]
public sealed class RunEventsTests(StackFixture stack)
{
    private static string NewName() => "ev-" + Guid.NewGuid().ToString("N")[..10];

    // 8 rows: 4 load, 4 break a contract rule (the engine tests' flights.csv).
    internal static string FlightsSpec(string name) => $$"""
        name: {{name}}
        source:
          kind: csv
          path: {{name}}.csv
        contract:
          policy: quarantine
          columns:
            delay:       { type: integer, min: -1440, max: 2880 }
            origin:      { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
            destination: { type: varchar, required: true, pattern: '^[A-Z]{3}$' }
          rules:
            - name: different_airports
              sql: origin <> destination
        target:
          dataset: {{name.Replace('-', '_')}}
          mode: append
        """;

    private static HttpRequestMessage EventsRequest(Guid run, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative($"/api/runs/{run}/events"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }

    private static async Task<List<ServerEvent>> FollowAsync(HttpClient client, Guid run, string? lastEventId = null)
    {
        using var request = EventsRequest(run, lastEventId);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        return await ServerEvents.ReadAsync(await response.Content.ReadAsStreamAsync());
    }

    private static string Status(ServerEvent e) => e.Data.GetProperty("status").GetString()!;

    private static string StepState(ServerEvent e) => $"{e.Data.GetProperty("step").GetString()} {e.Data.GetProperty("state").GetString()}";

    [Fact]
    public async Task A_triggered_run_streams_its_status_and_steps_in_order_and_ends_with_its_final_counts()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var name = NewName();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "engine", "flights.csv"), Path.Combine(stack.SourceRoot, $"{name}.csv"));
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(FlightsSpec(name))))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var triggered = await engineer.PostAsync($"/api/pipelines/{name}/runs");
        Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        var id = (await triggered.BodyAsync()).GetProperty("id").GetGuid();

        var events = await FollowAsync(analyst, id);

        // Steps come from the Pipelines service through Redis, kept per run: a watcher that
        // connects after the run began still gets them all, in order.
        var steps = events.Where(e => e.Name == "step").ToList();
        Assert.Equal(
            ["extract started", "extract finished", "transform started", "transform finished", "contract started", "contract finished",
             "load started", "load finished", "commit started", "commit finished"],
            steps.Select(StepState));
        Assert.Equal(8, steps.Single(e => StepState(e) == "contract finished").Data.GetProperty("rows").GetInt64());
        Assert.Equal(4, steps.Single(e => StepState(e) == "load finished").Data.GetProperty("rows").GetInt64());
        Assert.All(steps.Where(e => StepState(e).EndsWith("finished", StringComparison.Ordinal)), e => Assert.True(e.Data.GetProperty("milliseconds").GetInt64() >= 0));

        // Run events show the catalog's row; statuses only move forward and the last one ends the stream.
        var runs = events.Where(e => e.Name == "run").ToList();
        Assert.Same(runs[^1], events[^1]);
        var order = new[] { "queued", "running", "succeeded" };
        var statuses = runs.Select(Status).ToList();
        Assert.Equal(statuses.OrderBy(s => Array.IndexOf(order, s)), statuses);
        Assert.Equal(statuses.Count, statuses.Distinct().Count());
        var final = events[^1];
        Assert.Equal("end", final.Id);
        Assert.Equal("succeeded", Status(final));
        Assert.Equal(id, final.Data.GetProperty("id").GetGuid());
        Assert.Equal((8L, 4L, 4L), (final.Data.GetProperty("rowsRead").GetInt64(), final.Data.GetProperty("rowsLoaded").GetInt64(), final.Data.GetProperty("rowsRejected").GetInt64()));
        Assert.Equal(1, final.Data.GetProperty("snapshotVersion").GetInt64());

        // Every other id is a stream position a client can resume after.
        var loadFinished = steps.Single(e => StepState(e) == "load finished");
        var resumed = await FollowAsync(analyst, id, loadFinished.Id);
        Assert.Equal(["step commit started", "step commit finished", "run succeeded"],
            resumed.Select(e => e.Name == "run" ? $"run {Status(e)}" : $"step {StepState(e)}"));

        // Having seen the end, an EventSource that reconnects is told to stop.
        using var again = await analyst.SendAsync(EventsRequest(id, "end"));
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Fact]
    public async Task A_watched_run_that_is_cancelled_ends_its_stream_and_a_client_that_leaves_is_unsubscribed()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        // A run of a pipeline that does not exist stays queued: nothing executes it.
        await using var app = CatalogData.App(stack);
        var run = await CatalogData.Catalog(app).Runs.CreateAsync(CatalogData.DefaultWorkspace, NewName(), "watched", RunTrigger.Api);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        async Task<long> SubscribersAsync()
        {
            var reply = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", RedisChannels.RunEvents(run.Id)))!;
            return (long)reply[1];
        }

        using (var request = EventsRequest(run.Id))
        using (var leaving = await analyst.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, leaving.StatusCode);
            var first = await ServerEvents.ReadAsync(await leaving.Content.ReadAsStreamAsync(), _ => true);
            Assert.Equal("queued", Status(Assert.Single(first)));
            Assert.Equal(1, await SubscribersAsync());
        }

        // The client went away: the Api notices and drops its subscription.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await SubscribersAsync() != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the Api still listens for a stream whose client left");
            await Task.Delay(200);
        }

        using var watch = EventsRequest(run.Id);
        using var watched = await analyst.SendAsync(watch, HttpCompletionOption.ResponseHeadersRead);
        var body = await watched.Content.ReadAsStreamAsync();
        using (var cancelled = await engineer.PostAsync($"/api/runs/{run.Id}/cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        var events = await ServerEvents.ReadAsync(body);
        Assert.Equal(["queued", "cancelled"], events.Select(Status));
        Assert.Equal("end", events[^1].Id);
    }

    [Fact]
    public async Task Only_readers_of_the_runs_workspace_may_follow_it()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using var anonymous = stack.CreateApiClient();

        using (var guessed = await other.SendAsync(EventsRequest(run.Id)))
        {
            Assert.Equal(HttpStatusCode.NotFound, guessed.StatusCode);
            Assert.Equal(["id"], await guessed.ErrorNamesAsync());
        }

        using (var missing = await analyst.SendAsync(EventsRequest(Guid.NewGuid())))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var refused = await ingest.SendAsync(EventsRequest(run.Id)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var unauthenticated = await anonymous.SendAsync(EventsRequest(run.Id)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        }

        // A run that finished before anyone watched: one event, its final state, then the end.
        var events = await FollowAsync(analyst, run.Id);
        var final = Assert.Single(events);
        Assert.Equal(("run", "end", "succeeded"), (final.Name, final.Id, Status(final)));
        Assert.Equal(4, final.Data.GetProperty("rowsRejected").GetInt64());
    }

    [Fact]
    public async Task A_run_that_cannot_read_its_source_file_shows_an_error_without_server_paths()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var name = NewName();
        // The source file is gone by the time the run reads it: a link to a deleted file, so the
        // spec still validates and DuckDB is the one to fail, quoting the file's absolute path.
        File.CreateSymbolicLink(Path.Combine(stack.SourceRoot, $"{name}.csv"), Path.Combine(stack.SourceRoot, $"{name}-deleted.csv"));
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(FlightsSpec(name))))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var triggered = await engineer.PostAsync($"/api/pipelines/{name}/runs");
        var id = (await triggered.BodyAsync()).GetProperty("id").GetGuid();
        var final = (await FollowAsync(analyst, id))[^1];

        Assert.Equal("failed", Status(final));
        var error = final.Data.GetProperty("error").GetString()!;
        Assert.Contains($"{name}-deleted.csv", error, StringComparison.Ordinal);
        Assert.DoesNotContain(stack.DataDirectory, error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(^|[\s""'(])/\w", error);

        using var read = await analyst.GetAsync($"/api/runs/{id}");
        Assert.Equal(error, (await read.BodyAsync()).GetProperty("error").GetString());
    }
}
