using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Ductus.Api.Ingest;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Npgsql;
using static Ductus.Tests.Integration.Ingest.IngestTestKit;

namespace Ductus.Tests.Integration.Ingest;

/// <summary>POST /api/datasets/{name}/records on the whole stack: the Api buffers, the Pipelines service drains.</summary>
[Collection(StackDefinition.Name)]
public sealed class IngestEndpointTests(StackFixture stack)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    private static string NewDataset() => "ing_" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Json_ndjson_and_csv_pushes_are_acknowledged_and_queryable_after_the_drain()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        using var ingest = await stack.ClientForRoleAsync("ingest");
        await CreatePipelineAsync(engineer, dataset);

        var pushes = new (string Body, string Type)[]
        {
            ("""[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]""", "application/json"),
            ("{\"id\": 3, \"name\": \"c\"}\n\n{\"id\": 4, \"name\": \"d\"}\n", "application/x-ndjson"),
            ("id,name\r\n5,e\r\n6,\"f, with \"\"quotes\"\"\"\r\n", "text/csv"),
        };
        var batches = new List<Guid>();
        foreach (var (body, type) in pushes)
        {
            var (response, json) = await PushAsync(ingest, dataset, body, type);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{type}: {(int)response.StatusCode} {json}");
            Assert.Equal(2, json.GetProperty("records").GetInt32());
            Assert.False(json.GetProperty("replayed").GetBoolean());
            batches.Add(json.GetProperty("batchId").GetGuid());
            Assert.EndsWith($"/batches/{batches[^1]}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        // The pipeline has no schedule: only the push notices can have started its drains.
        foreach (var batch in batches)
        {
            var loaded = await LoadedAsync(ingest, dataset, batch, DrainTimeout);
            Assert.Equal(0, loaded.GetProperty("rowsRejected").GetInt64());
            Assert.Equal(2, loaded.GetProperty("rowsLoaded").GetInt64());
        }

        using var analyst = await stack.ClientForRoleAsync("analyst");
        var rows = await QueryAsync(analyst, $"SELECT id, name, ingest_batch_id FROM {dataset} ORDER BY id");
        Assert.Equal(6, rows.GetArrayLength());
        Assert.Equal(Enumerable.Range(1, 6), rows.EnumerateArray().Select(r => r[0].GetInt32()));
        Assert.Equal("f, with \"quotes\"", rows[5][1].GetString());
        Assert.Equal(batches[2].ToString(), rows[5][2].GetString());
        Assert.Equal(batches[0].ToString(), rows[0][2].GetString());
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_returns_the_original_batch_and_writes_nothing()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        await CreatePipelineAsync(engineer, dataset);
        var key = "order-" + Guid.NewGuid().ToString("N");
        const string body = """[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]""";

        var (first, firstJson) = await PushAsync(engineer, dataset, body, "application/json", key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var (retry, retryJson) = await PushAsync(engineer, dataset, body, "application/json", key);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(firstJson.GetProperty("batchId").GetGuid(), retryJson.GetProperty("batchId").GetGuid());
        Assert.Equal(3, retryJson.GetProperty("records").GetInt32());
        Assert.True(retryJson.GetProperty("replayed").GetBoolean());

        // Once drained, a retry still finds the batch, and the lake holds its records once.
        await LoadedAsync(engineer, dataset, firstJson.GetProperty("batchId").GetGuid(), DrainTimeout);
        var (late, lateJson) = await PushAsync(engineer, dataset, body, "application/x-ndjson", key);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(firstJson.GetProperty("batchId").GetGuid(), lateJson.GetProperty("batchId").GetGuid());
        var rows = await QueryAsync(engineer, $"SELECT count(*), count(DISTINCT id) FROM {dataset}");
        Assert.Equal(3, rows[0][0].GetInt64());
        Assert.Equal(3, rows[0][1].GetInt64());
    }

    [Theory]
    [InlineData("application/json", """[{"id": 1, "name": "a"}, {"id": 2, "name": ]""", "line 1", "record 2 is not valid JSON")]
    [InlineData("application/json", """{"id": 1, "name": "a"}""", "line 1", "must be a JSON array of objects")]
    [InlineData("application/json", """[{"id": 1}, 42]""", "record 2", "is a JSON number, not an object")]
    [InlineData("application/x-ndjson", "{\"id\": 1, \"name\": \"a\"}\n{\"id\": 2,\n", "line 2", "is not valid JSON")]
    [InlineData("application/x-ndjson", "{\"id\": 1, \"name\": \"a\"}\n[1, 2]\n", "line 2", "is a JSON array, not an object")]
    [InlineData("text/csv", "id,name\n1,a\n2,b,extra\n", "line 3", "has 3 fields, the header has 2")]
    [InlineData("text/csv", "id,name\n1,\"never closed\n2,b\n", "line 2", "a quoted field is never closed")]
    [InlineData("text/csv", "id,name\n", "body", "holds a header but no records")]
    public async Task A_malformed_body_is_refused_with_where_and_why_and_nothing_is_buffered(string type, string body, string where, string reason)
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        await CreatePipelineAsync(engineer, dataset);

        var (response, problem) = await PushAsync(engineer, dataset, body, type);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = problem.GetProperty("errors")[0];
        Assert.StartsWith(where, error.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Contains(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await BufferedAsync(dataset));
    }

    [Fact]
    public async Task Wrong_content_type_unknown_dataset_and_oversize_bodies_are_refused_at_the_door()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");

        var (missing, missingProblem) = await PushAsync(engineer, dataset, """[{"id": 1}]""", "application/json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No ingest pipeline loads dataset", Errors(missingProblem), StringComparison.Ordinal);

        await CreatePipelineAsync(engineer, dataset);
        var (wrongType, typeProblem) = await PushAsync(engineer, dataset, "<records/>", "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Contains("text/csv", Errors(typeProblem), StringComparison.Ordinal);

        // 9 MB: over the 8 MB default, refused by its Content-Length before anything is read.
        var line = "{\"id\": 1, \"name\": \"" + new string('x', 1000) + "\"}\n";
        var huge = new StringBuilder().Insert(0, line, 9 * 1024).ToString();
        var (oversize, _) = await PushAsync(engineer, dataset, huge, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize.StatusCode);

        // The same body without a Content-Length is cut off while it streams in.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{dataset}/records")
        {
            Content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(huge))),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        using var chunked = await engineer.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Contains("bytes", await chunked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await BufferedAsync(dataset));

        using var analyst = await stack.ClientForRoleAsync("analyst");
        var (forbidden, _) = await PushAsync(analyst, dataset, """[{"id": 1, "name": "a"}]""", "application/json");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Contract_rejects_go_to_the_reject_store_and_are_counted_per_batch()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        await CreatePipelineAsync(engineer, dataset);

        var (response, json) = await PushAsync(engineer, dataset,
            "{\"id\": 1, \"name\": \"ok\"}\n{\"id\": -5, \"name\": \"negative\"}\n{\"id\": 3}\n{\"id\": 4, \"name\": \"ok too\"}\n",
            "application/x-ndjson");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batch = json.GetProperty("batchId").GetGuid();

        var loaded = await LoadedAsync(engineer, dataset, batch, DrainTimeout);
        Assert.Equal(2, loaded.GetProperty("rowsRejected").GetInt64());
        Assert.Equal(2, loaded.GetProperty("rowsLoaded").GetInt64());
        var run = loaded.GetProperty("runId").GetGuid();

        using var rejects = await engineer.GetAsync(new Uri($"/api/runs/{run}/rejects", UriKind.Relative));
        var text = await rejects.Content.ReadAsStringAsync();
        Assert.True(rejects.IsSuccessStatusCode, text);
        Assert.Contains("negative", text, StringComparison.Ordinal);
        Assert.Contains(batch.ToString(), text, StringComparison.Ordinal);
        var rows = await QueryAsync(engineer, $"SELECT id FROM {dataset} ORDER BY id");
        Assert.Equal([1, 4], rows.EnumerateArray().Select(r => r[0].GetInt32()));
    }

    [Fact]
    public async Task Above_the_buffer_limit_a_push_gets_503_with_retry_after_and_nothing_is_lost()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        await CreatePipelineAsync(engineer, dataset);

        // Stand-in for a backlog the drains have not caught up with: a batch row as large as the
        // default limit (5,000,000 records) that nothing drains, since no push announced it.
        var backlog = Guid.NewGuid();
        await ExecuteAsync($"""
            INSERT INTO ingest_batches (id, workspace_id, dataset, records, format, received_at)
            VALUES ('{backlog}', '{DefaultWorkspace}', '{dataset}', 5000000, 'json', now())
            """);

        var (refused, problem) = await PushAsync(engineer, dataset, """[{"id": 1, "name": "a"}]""", "application/json", "k1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("waiting to be loaded", Errors(problem), StringComparison.Ordinal);
        Assert.Equal(5_000_000, await BufferedAsync(dataset));

        await ExecuteAsync($"DELETE FROM ingest_batches WHERE id = '{backlog}'");
        var (accepted, json) = await PushAsync(engineer, dataset, """[{"id": 1, "name": "a"}]""", "application/json", "k1");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await LoadedAsync(engineer, dataset, json.GetProperty("batchId").GetGuid(), DrainTimeout);
        var rows = await QueryAsync(engineer, $"SELECT count(*) FROM {dataset}");
        Assert.Equal(1, rows[0][0].GetInt64());
    }

    [Fact]
    public async Task While_the_drains_lag_a_push_is_paced_and_still_acknowledged()
    {
        var dataset = NewDataset();
        using var engineer = await stack.ClientForRoleAsync("engineer");
        await CreatePipelineAsync(engineer, dataset);

        // A batch acknowledged 10 s ago that no drain has taken yet: the lake lags by 10 s, more
        // than Ductus:Ingest:PaceAfterLag (2 s), and nothing drains it until this push announces itself.
        await ExecuteAsync($"""
            INSERT INTO ingest_batches (id, workspace_id, dataset, records, format, received_at)
            VALUES ('{Guid.NewGuid()}', '{DefaultWorkspace}', '{dataset}', 0, 'json', now() - interval '10 seconds')
            """);

        var clock = Stopwatch.StartNew();
        var (response, json) = await PushAsync(engineer, dataset, """[{"id": 1, "name": "a"}]""", "application/json");
        clock.Stop();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {json}");
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"answered after {clock.Elapsed.TotalMilliseconds:0} ms: not held for the lagging drains (MaxPaceDelay 1 s)");
        await LoadedAsync(engineer, dataset, json.GetProperty("batchId").GetGuid(), DrainTimeout);
    }

    private static readonly Guid DefaultWorkspace = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private async Task ExecuteAsync(string sql)
    {
        // The stack's login bypasses row-level security: this plays the part of the drains' backlog.
        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> BufferedAsync(string dataset)
    {
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        return (await new IngestWriter(db, TimeProvider.System).DoorAsync(DefaultWorkspace, dataset)).BufferedRecords;
    }

    /// <summary>A body whose length HttpClient cannot know, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
