using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Engine;
using Ductus.Core.Runs;
using Ductus.Core.Specs;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ductus.Tests.Integration.Query;

/// <summary>POST /api/query through the Api, the Redis cache and the analytics worker.</summary>
[Collection(StackDefinition.Name)]
public sealed class ApiQueryTests(StackFixture stack)
{
    private static readonly Guid DefaultWorkspace = Guid.Parse("00000000-0000-0000-0000-000000000001");

    /// <summary>Loads <paramref name="rows"/> rows (id, amount = id * 10) into a dataset of the default workspace.</summary>
    private async Task LoadAsync(string dataset, int from, int rows)
    {
        var file = $"{dataset}-{from}.csv";
        await File.WriteAllTextAsync(Path.Combine(stack.SourceRoot, file), "id,amount\n" + string.Concat(Enumerable.Range(from, rows).Select(i => $"{i},{i * 10}\n")));
        var spec = SpecParser.ParseYaml($"""
            name: {dataset}
            source: {"{"} kind: csv, path: {file}, header: true {"}"}
            target: {"{"} dataset: {dataset}, mode: append {"}"}
            """).Spec!;
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        using var http = new HttpClient();
        var runner = new PipelineRunner(
            new CatalogStore(db, TimeProvider.System), new RejectStore(db),
            new RunEngine(new SourceRoots(stack.SourceRoot), http, TimeProvider.System), stack.LakeRoot, NullLogger<PipelineRunner>.Instance);
        var run = await runner.RunAsync(new RunRequest(DefaultWorkspace, "default", spec, RunTrigger.Manual), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, run.Status);
    }

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
        using var client = await stack.CreateClientWithRolesAsync("analyst");
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
        using var client = await stack.CreateClientWithRolesAsync("analyst");

        var (response, body) = await QueryAsync(client, new { sql = $"SELECT id, amount FROM {dataset} ORDER BY id" }, "text/csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Equal(["id,amount", "1,10", "2,20", "3,30"], body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("COPY (SELECT 1) TO '/tmp/x.csv'")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("DROP TABLE anything")]
    [InlineData("SELECT * FROM no_such_dataset")]
    public async Task Refused_statements_are_a_400_problem_naming_the_sql_field(string sql)
    {
        using var client = await stack.CreateClientWithRolesAsync("analyst");
        var (response, body) = await QueryAsync(client, new { sql });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("errors")[0];
        Assert.Equal("sql", error.GetProperty("name").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Only_roles_that_may_read_can_query()
    {
        using var ingest = await stack.CreateClientWithRolesAsync("ingest");
        var (forbidden, _) = await QueryAsync(ingest, new { sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var anonymous = stack.CreateApiClient();
        var (unauthorized, _) = await QueryAsync(anonymous, new { sql = "SELECT 1" });
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }
}
