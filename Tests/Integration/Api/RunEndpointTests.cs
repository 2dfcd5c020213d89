using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class RunEndpointTests(StackFixture stack)
{
    private static string NewName() => "r-" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<string> CreatePipelineAsync(HttpClient engineer)
    {
        var name = NewName();
        using var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(PipelineEndpointTests.SpecYaml(name)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return name;
    }

    private static async Task<JsonElement> ReceiveAsync(ChannelReader<string> messages, Guid runId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var message = JsonDocument.Parse(await messages.ReadAsync(timeout.Token)).RootElement;
            if (message.GetProperty("runId").GetGuid() == runId)
            {
                return message;
            }
        }
    }

    [Fact]
    public async Task Triggering_a_pipeline_queues_an_api_run_announced_on_redis_that_can_be_cancelled_once()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var name = await CreatePipelineAsync(engineer);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var queued = Channel.CreateUnbounded<string>();
        var cancel = Channel.CreateUnbounded<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.RunQueued), (_, m) => queued.Writer.TryWrite(m!));
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.RunCancelled), (_, m) => cancel.Writer.TryWrite(m!));

        using var triggered = await engineer.PostAsync($"/api/pipelines/{name}/runs");
        var run = await triggered.BodyAsync();
        Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, run.ToString());
        var id = run.GetProperty("id").GetGuid();
        Assert.Equal($"/api/runs/{id}", triggered.Headers.Location?.OriginalString);
        Assert.Equal(name, run.GetProperty("pipeline").GetString());
        Assert.Equal(name.Replace('-', '_'), run.GetProperty("dataset").GetString());
        Assert.Equal("queued", run.GetProperty("status").GetString());
        Assert.Equal("api", run.GetProperty("trigger").GetString());
        Assert.Equal(1, run.GetProperty("pipelineVersion").GetInt32());
        Assert.Equal(0, run.GetProperty("rowsRead").GetInt64());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, run.GetProperty("replayOf").ValueKind);
        var message = await ReceiveAsync(queued.Reader, id);
        Assert.Equal(CatalogData.DefaultWorkspace, message.GetProperty("workspaceId").GetGuid());
        Assert.Equal(name, message.GetProperty("pipeline").GetString());

        using (var read = await analyst.GetAsync($"/api/runs/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(id, (await read.BodyAsync()).GetProperty("id").GetGuid());
        }

        using (var cancelled = await engineer.PostAsync($"/api/runs/{id}/cancel"))
        {
            var body = await cancelled.BodyAsync();
            // The Pipelines service picks queued runs up at once; this one's source is unreachable,
            // so it may already have failed, and then the cancel is rightly refused.
            if (cancelled.StatusCode == HttpStatusCode.Conflict)
            {
                using var read = await analyst.GetAsync($"/api/runs/{id}");
                Assert.Equal("failed", (await read.BodyAsync()).GetProperty("status").GetString());
            }
            else
            {
                Assert.True(cancelled.StatusCode == HttpStatusCode.Accepted, body.ToString());
                Assert.Equal("cancelled", body.GetProperty("status").GetString());
                Assert.Equal(JsonValueKind.String, body.GetProperty("finishedAt").ValueKind);
                await ReceiveAsync(cancel.Reader, id);
            }
        }

        using (var again = await engineer.PostAsync($"/api/runs/{id}/cancel"))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal(["id"], await again.ErrorNamesAsync());
        }

        // It has no rejects, so there is nothing to replay.
        using (var replay = await engineer.PostAsync($"/api/runs/{id}/replay"))
        {
            Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        }

        var missing = Guid.NewGuid();
        foreach (var response in new[]
        {
            await engineer.PostAsync($"/api/pipelines/{NewName()}/runs"),
            await analyst.GetAsync($"/api/runs/{missing}"),
            await engineer.PostAsync($"/api/runs/{missing}/cancel"),
            await engineer.PostAsync($"/api/runs/{missing}/replay"),
            await analyst.GetAsync($"/api/runs/{missing}/rejects"),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_filtered_and_paged_with_an_opaque_cursor()
    {
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var pipeline = NewName();
        await using var app = CatalogData.App(stack);
        var catalog = CatalogData.Catalog(app);
        var made = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            made.Add((await catalog.Runs.CreateAsync(CatalogData.DefaultWorkspace, pipeline, "listed", RunTrigger.Manual)).Id);
        }

        await catalog.Runs.CancelAsync(CatalogData.DefaultWorkspace, made[0]);

        using var first = await analyst.GetAsync($"/api/runs?pipeline={pipeline}&limit=2");
        var page = await first.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal([made[2], made[1]], page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        var cursor = page.GetProperty("nextCursor").GetString();
        using var second = await analyst.GetAsync($"/api/runs?pipeline={pipeline}&limit=2&cursor={Uri.EscapeDataString(cursor!)}");
        var rest = await second.BodyAsync();
        Assert.Equal([made[0]], rest.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);

        using var cancelled = await analyst.GetAsync($"/api/runs?pipeline={pipeline}&status=cancelled&dataset=listed");
        Assert.Equal([made[0]], (await cancelled.BodyAsync()).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));

        using var invalid = await analyst.GetAsync("/api/runs?status=done&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var names = await invalid.ErrorNamesAsync();
        Assert.Contains("status", names);
        Assert.Contains("limit", names);

        using var forged = await analyst.GetAsync("/api/runs?cursor=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(["cursor"], await forged.ErrorNamesAsync());
    }

    [Fact]
    public async Task Rejects_keep_the_rules_they_broke_and_download_as_csv_and_ndjson()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var first = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?limit=3");
        var page = await first.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        using var second = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?limit=3&afterId={page.GetProperty("nextAfterId").GetInt64()}");
        var rest = await second.BodyAsync();
        items.AddRange(rest.GetProperty("items").EnumerateArray());
        Assert.Equal(4, items.Count);
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextAfterId").ValueKind);
        Assert.All(items, r =>
        {
            Assert.NotEmpty(r.GetProperty("rules").EnumerateArray());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("message").GetString()));
            // A transform hides which source line a row came from, so line may be null.
            Assert.True(r.TryGetProperty("line", out _));
        });
        var crossed = items.Single(r => r.GetProperty("rules").EnumerateArray().Any(x => x.GetString() == "different_airports"));
        Assert.Equal(JsonValueKind.Object, crossed.GetProperty("values").ValueKind);
        Assert.Equal(crossed.GetProperty("values").GetProperty("origin").GetString(), crossed.GetProperty("values").GetProperty("destination").GetString());

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative($"/api/runs/{run.Id}/rejects"));
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        using var csv = await analyst.SendAsync(csvRequest);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,line,rules,message,values", lines[0], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length);

        using var ndjson = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?format=ndjson");
        Assert.Equal("application/x-ndjson", ndjson.Content.Headers.ContentType?.MediaType);
        var objects = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(items.Select(i => i.GetProperty("id").GetInt64()), objects.Select(o => o.GetProperty("id").GetInt64()));

        using var invalid = await analyst.GetAsync($"/api/runs/{run.Id}/rejects?format=xml&limit=5000");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var names = await invalid.ErrorNamesAsync();
        Assert.Contains("format", names);
        Assert.Contains("limit", names);
    }

    [Fact]
    public async Task Replaying_a_run_with_rejects_queues_a_replay_run()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);

        using var replay = await engineer.PostAsync($"/api/runs/{run.Id}/replay");
        var body = await replay.BodyAsync();
        Assert.True(replay.StatusCode == HttpStatusCode.Accepted, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        Assert.NotEqual(run.Id, id);
        Assert.Equal($"/api/runs/{id}", replay.Headers.Location?.OriginalString);
        Assert.Equal("replay", body.GetProperty("trigger").GetString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal(run.Id, body.GetProperty("replayOf").GetGuid());
        Assert.Equal(run.Pipeline, body.GetProperty("pipeline").GetString());

        // A finished run cannot be cancelled.
        using var cancel = await engineer.PostAsync($"/api/runs/{run.Id}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);

        using var read = await engineer.GetAsync($"/api/runs/{run.Id}");
        var original = await read.BodyAsync();
        Assert.Equal("succeeded", original.GetProperty("status").GetString());
        Assert.Equal((8L, 4L, 4L), (original.GetProperty("rowsRead").GetInt64(), original.GetProperty("rowsLoaded").GetInt64(), original.GetProperty("rowsRejected").GetInt64()));
        Assert.Equal(1, original.GetProperty("snapshotVersion").GetInt64());
        Assert.True(original.GetProperty("bytes").GetInt64() > 0);
        Assert.Contains("extract", original.GetProperty("steps").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Ingest_clients_cannot_read_runs_and_analysts_cannot_start_or_stop_them()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        foreach (var (who, response) in new[]
        {
            ("ingest list", await ingest.GetAsync("/api/runs")),
            ("ingest read", await ingest.GetAsync($"/api/runs/{run.Id}")),
            ("ingest rejects", await ingest.GetAsync($"/api/runs/{run.Id}/rejects")),
            ("analyst trigger", await analyst.PostAsync($"/api/pipelines/{run.Pipeline}/runs")),
            ("analyst cancel", await analyst.PostAsync($"/api/runs/{run.Id}/cancel")),
            ("analyst replay", await analyst.PostAsync($"/api/runs/{run.Id}/replay")),
        })
        {
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{who} answered {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task Another_workspace_cannot_see_or_touch_a_run_even_with_its_id()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var other = await stack.ClientOfOtherWorkspaceAsync();

        using (var list = await other.GetAsync("/api/runs"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.DoesNotContain((await list.BodyAsync()).GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetGuid() == run.Id);
        }

        foreach (var response in new[]
        {
            await other.GetAsync($"/api/runs/{run.Id}"),
            await other.GetAsync($"/api/runs/{run.Id}/rejects"),
            await other.GetAsync($"/api/runs/{run.Id}/rejects?format=csv"),
            await other.PostAsync($"/api/runs/{run.Id}/cancel"),
            await other.PostAsync($"/api/runs/{run.Id}/replay"),
            await other.PostAsync($"/api/pipelines/{run.Pipeline}/runs"),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }
    }
}
