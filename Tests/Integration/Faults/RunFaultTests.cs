using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;
using Ductus.Tests.Integration.Ingest;
using Ductus.Tests.Integration.Query;
using Npgsql;
using StackExchange.Redis;
using EventsEndpoint = Ductus.Api.Features.Runs.Events.Endpoint;

namespace Ductus.Tests.Integration.Faults;

/// <summary>
/// The rows of the fault matrix where the fault hits a pipeline run in flight: each run reads a
/// CSV from a test server that holds the answer until the fault is in place.
/// </summary>
[Collection(FaultStackDefinition.Name)]
public sealed class RunFaultTests(FaultStackFixture stack)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private const int Rows = 1000;

    [Fact]
    public async Task Postgres_restarted_while_a_run_commits_the_run_succeeds_once_when_it_is_back_and_none_stays_running()
    {
        var name = "r_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = new StallingCsvSource(Rows, stalled: 1, longest: Patience);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var id = await StartStalledRunAsync(name, source);

        // PostgreSQL goes away, then the source answers: the run reaches its commit during the outage.
        await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StopCommand);
        source.Release();
        await Eventually.Async(() => StepsAsync(redis, id), steps => steps.Contains("commit started"), Patience, "the run reaching its commit");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stack.CommandAsync(Resources.Postgres, KnownResourceCommands.StartCommand);
        await stack.WaitForPostgresAcceptingAsync(Patience);

        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = await stack.CatalogAsync(db);
        var run = await Eventually.Async(
            () => catalog.Runs.GetAsync(ApiLake.DefaultWorkspace, id),
            r => r?.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled,
            Patience,
            "the run ending after PostgreSQL came back");

        // The run waited for the catalog and committed once: no failure, no second run, no retry.
        Assert.True(run!.Status == RunStatus.Succeeded, $"{run.Status} in {run.ErrorStep}: {run.Error}");
        Assert.Equal((1, (long)Rows, 1L), (run.Attempt, run.RowsLoaded, run.SnapshotVersion));
        var runs = await catalog.Runs.ListAsync(ApiLake.DefaultWorkspace, new RunFilter(name), null, 10);
        Assert.Equal([id], runs.Items.Select(r => r.Id));
        Assert.Single(await catalog.Datasets.ListSnapshotsAsync(ApiLake.DefaultWorkspace, name));
        var current = await catalog.Datasets.GetSnapshotAsync(ApiLake.DefaultWorkspace, name, null);
        Assert.Equal(
            current!.Files.Select(f => Path.GetFileName(f.RelativePath)).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(stack.LakeRoot, "default", name)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(1, source.Requests);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        // The Api answers 503 until its pooled connections to the restarted server are replaced.
        var rows = await Eventually.Async(
            async () =>
            {
                using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT count(*), count(DISTINCT id) FROM {name}" });
                return response.StatusCode == HttpStatusCode.OK ? (await response.BodyAsync()).GetProperty("rows")[0].Clone() : default;
            },
            row => row.ValueKind == JsonValueKind.Array,
            TimeSpan.FromSeconds(30),
            "a query of the dataset");
        Assert.Equal((Rows, Rows), (rows[0].GetInt64(), rows[1].GetInt64()));
        await FaultStackFixture.SettleAfterPostgresRestartAsync(analyst, Patience);
    }

    [Fact]
    public async Task Redis_stopped_and_started_while_a_run_is_followed_the_stream_still_shows_its_end_and_health_recovers()
    {
        var name = "s_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = new StallingCsvSource(Rows, stalled: 1, longest: Patience);
        var id = await StartStalledRunAsync(name, source);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        using var request = EventsRequest(id, null);
        using var response = await analyst.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var following = ServerEvents.ReadAsync(await response.Content.ReadAsStreamAsync());

        List<ServerEvent> events;
        await using (var outage = await RedisOutage.StartAsync(stack))
        {
            // The run ends while Redis is away: the stream learns it from the catalog.
            source.Release();
            events = await following;
            Assert.Equal("Degraded", await outage.ApiHealthAsync());
        }

        // A stream cut short ends cleanly; a reconnect after the last event seen goes on from there.
        if (events[^1].Id != EventsEndpoint.EndId && events.LastOrDefault(e => e.Id is not null)?.Id is { } last)
        {
            using var again = EventsRequest(id, last);
            using var resumed = await analyst.SendAsync(again, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            events.AddRange(await ServerEvents.ReadAsync(await resumed.Content.ReadAsStreamAsync()));
        }

        var final = events[^1];
        Assert.True(final.Id == EventsEndpoint.EndId, $"the stream's last event: {final.Name} {final.Id} {final.Data}");
        Assert.Equal(("run", "succeeded", (long)Rows), (final.Name, final.Data.GetProperty("status").GetString(), final.Data.GetProperty("rowsLoaded").GetInt64()));
        Assert.Equal(id, final.Data.GetProperty("id").GetGuid());
        using (var ended = await analyst.SendAsync(EventsRequest(id, EventsEndpoint.EndId)))
        {
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        }

        using var api = stack.CreateApiClient();
        Assert.Equal("Healthy", await api.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    private static HttpRequestMessage EventsRequest(Guid run, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative($"/api/runs/{run}/events"));
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }

    /// <summary>Creates a CSV pipeline reading <paramref name="source"/>, triggers it through the Api, and returns once the run is stalled in extract.</summary>
    private async Task<Guid> StartStalledRunAsync(string name, StallingCsvSource source)
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        await engineer.CreatePipelineAsync(CsvPipeline.Spec(name, source.For(name).ToString()));

        using var triggered = await engineer.PostAsync($"/api/pipelines/{name}/runs");
        Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, await triggered.Content.ReadAsStringAsync());
        var id = (await triggered.BodyAsync()).GetProperty("id").GetGuid();
        await Eventually.Async(() => Task.FromResult(source.Requests), n => n == 1, Patience, "the run asking its source for the CSV");
        return id;
    }

    /// <summary>The steps the run has reported on its Redis stream, as "extract started" …</summary>
    private static async Task<List<string>> StepsAsync(ConnectionMultiplexer redis, Guid run)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisChannels.RunEvents(run));
        return [.. entries
            .Select(e => RunEvent.Parse(e[RunEvent.Field].ToString()))
            .Where(e => e?.Type == RunEventTypes.Step)
            .Select(e => $"{e!.Step} {e.State}")];
    }
}
