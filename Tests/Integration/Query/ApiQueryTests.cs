using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Query;

/// <summary>POST /api/query through the Api, the Redis cache and the analytics worker.</summary>
[Collection(StackDefinition.Name)]
public sealed class ApiQueryTests(StackFixture stack)
{
    /// <summary>Loads <paramref name="rows"/> rows (id, amount = id * 10) into a dataset of the default workspace.</summary>
    private Task LoadAsync(string dataset, int from, int rows) =>
        ApiLake.LoadCsvAsync(stack, dataset, "id,amount\n" + string.Concat(Enumerable.Range(from, rows).Select(i => $"{i},{i * 10}\n")));

    private static async Task<(HttpResponseMessage Response, string Body)> QueryAsync(HttpClient client, object body, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/query") { Content = JsonContent.Create(body) };
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Results_are_cached_by_snapshot_version_so_a_new_snapshot_is_never_served_stale()
    {
        var dataset = "q_" + Guid.NewGuid().ToString("N")[..8];
        await LoadAsync(dataset, 1, 100);
        using var client = await stack.ClientForRoleAsync("analyst");
        var query = new { sql = $"SELECT count(*) AS n, sum(amount) AS total FROM {dataset} WHERE id > $min", parameters = new { min = 50 } };

        var (first, firstBody) = await QueryAsync(client, query);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("miss", first.Headers.GetValues("X-Ductus-Cache").Single());
        using (var json = JsonDocument.Parse(firstBody))
        {
            Assert.Equal("n", json.RootElement.GetProperty("columns")[0].GetProperty("name").GetString());
            Assert.Equal(50, json.RootElement.GetProperty("rows")[0][0].GetInt64());
            Assert.Equal(37750, json.RootElement.GetProperty("rows")[0][1].GetInt64()); // 10 * (51 + ... + 100)
        }

        var (second, secondBody) = await QueryAsync(client, query);
        Assert.Equal("hit", second.Headers.GetValues("X-Ductus-Cache").Single());
        Assert.Equal(firstBody, secondBody);

        await LoadAsync(dataset, 101, 10);
        var (third, thirdBody) = await QueryAsync(client, query);
        Assert.Equal("miss", third.Headers.GetValues("X-Ductus-Cache").Single());
        using (var json = JsonDocument.Parse(thirdBody))
        {
            Assert.Equal(60, json.RootElement.GetProperty("rows")[0][0].GetInt64());
        }

        // Time travel: version 1 still answers with the old rows.
        var (pinned, pinnedBody) = await QueryAsync(client, new { query.sql, query.parameters, versions = new Dictionary<string, long> { [dataset] = 1 } });
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        Assert.Equal(50, JsonDocument.Parse(pinnedBody).RootElement.GetProperty("rows")[0][0].GetInt64());
    }

    [Fact]
    public async Task Csv_results_follow_the_accept_header()
    {
        var dataset = "q_" + Guid.NewGuid().ToString("N")[..8];
        await LoadAsync(dataset, 1, 3);
        using var client = await stack.ClientForRoleAsync("analyst");

        var (response, body) = await QueryAsync(client, new { sql = $"SELECT id, amount FROM {dataset} ORDER BY id" }, "text/csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Equal(["id,amount", "1,10", "2,20", "3,30"], body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    public static TheoryData<string> Refusals() =>
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('{lake}/other/*/*.parquet')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('{lake}/*')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT \"read_csv\"('/etc/passwd')",
        "SELECT * FROM \"READ_TEXT\"('/etc/passwd')",
        "SELECT 1 /* ; */; SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1 -- \n; COPY (SELECT 1) TO '{marker}'",
        "COPY (SELECT 1) TO '{marker}'",
        "ATTACH '{marker}' AS x",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "PRAGMA database_list",
        "SELECT 1; SELECT 2",
        "CREATE TABLE t AS SELECT 1",
        "INSERT INTO {dataset} VALUES (1, 2)",
        "UPDATE {dataset} SET amount = 0",
        "DELETE FROM {dataset}",
        "DROP VIEW {dataset}",
        "SELECT * FROM main.{dataset}",
        "SELECT * FROM no_such_dataset",
        "SELECT * FROM {other}",
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_statements_are_a_400_problem_naming_the_sql_field_and_change_nothing(string template)
    {
        var dataset = ApiLake.NewDatasetName();
        var other = ApiLake.NewDatasetName();
        await LoadAsync(dataset, 1, 3);
        if (template.Contains("{other}", StringComparison.Ordinal))
        {
            // A dataset that exists, but in another workspace.
            await ApiLake.LoadCsvAsync(stack, other, "id\n1\n", workspace: "other");
        }

        var marker = Path.Combine(stack.DataDirectory, $"marker-{Guid.NewGuid():N}");
        var sql = template.Replace("{lake}", stack.LakeRoot, StringComparison.Ordinal).Replace("{marker}", marker, StringComparison.Ordinal)
            .Replace("{dataset}", dataset, StringComparison.Ordinal).Replace("{other}", other, StringComparison.Ordinal);
        using var client = await stack.ClientForRoleAsync("analyst");

        var (response, body) = await QueryAsync(client, new { sql });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("errors")[0];
        Assert.Equal("sql", error.GetProperty("name").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("reason").GetString()));
        Assert.False(File.Exists(marker), "a refused statement wrote a file");
        var (after, afterBody) = await QueryAsync(client, new { sql = $"SELECT sum(amount) AS total FROM {dataset}" });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(60, JsonDocument.Parse(afterBody).RootElement.GetProperty("rows")[0][0].GetInt64());
    }

    [Fact]
    public async Task Parquet_and_ndjson_results_read_back_as_the_rows_and_a_cached_parquet_is_the_same_file()
    {
        var dataset = ApiLake.NewDatasetName();
        await LoadAsync(dataset, 1, 3);
        using var client = await stack.ClientForRoleAsync("analyst");
        var query = new { sql = $"SELECT id, amount FROM {dataset} WHERE id >= $min ORDER BY id", parameters = new { min = 2 } };

        using var first = new HttpRequestMessage(HttpMethod.Post, "/api/query") { Content = JsonContent.Create(query) };
        first.Headers.Accept.ParseAdd("application/vnd.apache.parquet");
        using var miss = await client.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("miss", miss.Headers.GetValues("X-Ductus-Cache").Single());
        var parquet = await miss.Content.ReadAsByteArrayAsync();
        Assert.Equal("PAR1"u8.ToArray(), parquet[..4]);

        var file = Path.Combine(stack.DataDirectory, $"result-{Guid.NewGuid():N}.parquet");
        await File.WriteAllBytesAsync(file, parquet);
        await using (var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
        {
            await duck.OpenAsync();
            await using var read = duck.CreateCommand();
            read.CommandText = $"SELECT id, amount FROM read_parquet('{file}') ORDER BY id";
            var rows = new List<string>();
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetValue(0)}|{reader.GetValue(1)}");
            }

            Assert.Equal(["2|20", "3|30"], rows);
        }

        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/query") { Content = JsonContent.Create(query) };
        again.Headers.Accept.ParseAdd("application/vnd.apache.parquet");
        using var hit = await client.SendAsync(again);
        Assert.Equal("hit", hit.Headers.GetValues("X-Ductus-Cache").Single());
        Assert.Equal(parquet, await hit.Content.ReadAsByteArrayAsync());

        var (ndjson, lines) = await QueryAsync(client, query, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);
        Assert.Equal(
            ["{\"id\":2,\"amount\":20}", "{\"id\":3,\"amount\":30}"],
            lines.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task With_redis_down_queries_are_answered_uncached_and_health_is_degraded()
    {
        var dataset = ApiLake.NewDatasetName();
        await LoadAsync(dataset, 1, 10);
        using var client = await stack.ClientForRoleAsync("analyst");
        var query = new { sql = $"SELECT count(*) AS n FROM {dataset}" };

        await using (var outage = await RedisOutage.StartAsync(stack))
        {
            Assert.Equal("Degraded", await outage.ApiHealthAsync());
            foreach (var _ in Enumerable.Range(0, 2))
            {
                // The rate limiter fails open and the cache is skipped: both still answer.
                var (response, body) = await QueryAsync(client, query);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("unavailable", response.Headers.GetValues("X-Ductus-Cache").Single());
                Assert.Equal(10, JsonDocument.Parse(body).RootElement.GetProperty("rows")[0][0].GetInt64());
            }
        }

        var (miss, _) = await QueryAsync(client, query);
        Assert.Equal("miss", miss.Headers.GetValues("X-Ductus-Cache").Single());
        var (hit, _) = await QueryAsync(client, query);
        Assert.Equal("hit", hit.Headers.GetValues("X-Ductus-Cache").Single());
    }

    [Fact]
    public async Task Only_roles_that_may_read_can_query()
    {
        using var ingest = await stack.ClientForRoleAsync("ingest");
        var (forbidden, _) = await QueryAsync(ingest, new { sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var anonymous = stack.CreateApiClient();
        var (unauthorized, _) = await QueryAsync(anonymous, new { sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task A_query_whose_lake_file_is_gone_answers_a_problem_without_server_paths_and_with_a_correlation_id()
    {
        var dataset = ApiLake.NewDatasetName();
        await LoadAsync(dataset, 1, 3);
        foreach (var file in Directory.GetFiles(Path.Combine(stack.LakeRoot, "default", dataset)))
        {
            File.Delete(file);
        }

        using var client = await stack.ClientForRoleAsync("analyst");
        var (response, body) = await QueryAsync(client, new { sql = $"SELECT count(*) FROM {dataset}" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(body);
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains($"default/{dataset}/", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(stack.DataDirectory, detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(^|[\s""'(])/\w", detail);
        Assert.Matches("^[0-9a-f]{32}$", problem.RootElement.GetProperty("correlationId").GetString());
    }
}
