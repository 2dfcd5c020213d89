using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using DuckDB.NET.Data;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Query;

/// <summary>
/// <c>POST /internal/query</c> on the analytics worker the AppHost started: the stack's catalog
/// database (as <c>ductus_app</c>) and the stack's lake folder, a workspace of its own per test.
/// Calls carry a service token signed with the stack's key, as the Api's do.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class QueryEndpointTests(StackFixture stack) : IAsyncLifetime
{
    private readonly string _workspace = "q" + Guid.NewGuid().ToString("N")[..10];
    private NpgsqlDataSource _db = null!;
    private CatalogStore _store = null!;
    private Guid _workspaceId;

    private string Lake => Path.Combine(stack.DataDirectory, "lake");

    public async Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        _store = await stack.CatalogAsync(_db);
        _workspaceId = await _store.Workspaces.EnsureAsync(_workspace);
        await LoadAsync("SELECT * FROM (VALUES ('AMS', 10), ('JFK', 25), ('LHR', NULL)) AS t(origin, delay)");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Task LoadAsync(string select) => LoadAsync(_workspaceId, _workspace, select);

    private async Task LoadAsync(Guid workspaceId, string workspace, string select)
    {
        var relative = $"{workspace}/flights/{Guid.NewGuid():N}.parquet";
        var path = Path.Combine(Lake, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        long rows;
        await using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            await duck.OpenAsync();
            await using var copy = duck.CreateCommand();
            copy.CommandText = $"COPY ({select}) TO '{path}' (FORMAT parquet)";
            rows = Convert.ToInt64(await copy.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        var run = await _store.Runs.CreateAsync(workspaceId, "load_flights", "flights", RunTrigger.Manual);
        await _store.Runs.MarkRunningAsync(workspaceId, run.Id, "test");
        await _store.Committer.CommitAsync(workspaceId, new CommitRequest(run.Id, "flights", null,
            [new DatasetColumn("origin", "VARCHAR", null, true), new DatasetColumn("delay", "INTEGER", null, false)],
            WriteMode.Replace, [new LakeFile(relative, rows, new FileInfo(path).Length, new Dictionary<string, ColumnStats>())],
            new RunStats(rows, rows, 0, 0, new Dictionary<string, TimeSpan>())));
    }

    private string Token() => Token(_workspaceId, _workspace);

    private string Token(Guid workspaceId, string workspace) =>
        ServiceToken.Issue(stack.ServiceTokenKey, workspaceId, workspace, DateTimeOffset.UtcNow);

    private Task<HttpResponseMessage> PostAsync(string sql, string format = "json", object? parameters = null, object? versions = null, int? timeoutMs = null) =>
        SendAsync(Token(), new { sql, parameters, versions, format, timeoutMs });

    private async Task<HttpResponseMessage> SendAsync(string? token, object body)
    {
        using var client = stack.App.CreateHttpClient(Resources.Analytics);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/query") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Json_result_has_columns_rows_truncation_and_the_versions_read()
    {
        using var response = await PostAsync("SELECT origin, delay FROM flights WHERE delay > $min ORDER BY origin", parameters: new { min = 5 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("flights=1", response.Headers.GetValues("X-Ductus-Versions").Single());
        Assert.Equal(
            """{"columns":[{"name":"origin","type":"VARCHAR"},{"name":"delay","type":"INTEGER"}],"rows":[["AMS",10],["JFK",25]],"truncated":false}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "table function read_csv is not allowed")]
    [InlineData("SELECT 1; DROP VIEW flights", "only a SELECT statement is allowed")]
    [InlineData("SELECT * FROM secrets", "unknown dataset 'secrets'")]
    public async Task A_refused_statement_is_a_400_problem_with_the_reason(string sql, string reason)
    {
        using var response = await PostAsync(sql);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(reason, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_missing_version_is_a_404_problem()
    {
        using var response = await PostAsync("SELECT * FROM flights", versions: new { flights = 42 });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("dataset 'flights' has no version 42", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Csv_and_parquet_results_stream_back_the_rows()
    {
        using (var csv = await PostAsync("SELECT origin, delay FROM flights ORDER BY origin", "csv"))
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            Assert.Equal("origin,delay\r\nAMS,10\r\nJFK,25\r\nLHR,\r\n", await csv.Content.ReadAsStringAsync());
        }

        using var parquet = await PostAsync("SELECT origin, delay FROM flights ORDER BY origin", "parquet");
        Assert.Equal(HttpStatusCode.OK, parquet.StatusCode);
        Assert.Equal("false", parquet.Headers.GetValues("X-Ductus-Truncated").Single());
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".parquet");
        await File.WriteAllBytesAsync(file, await parquet.Content.ReadAsByteArrayAsync());
        try
        {
            await using var duck = new DuckDBConnection("Data Source=:memory:");
            await duck.OpenAsync();
            await using var read = duck.CreateCommand();
            read.CommandText = $"SELECT string_agg(origin || ':' || coalesce(delay::VARCHAR, 'null'), ',') FROM read_parquet('{file}')";
            Assert.Equal("AMS:10,JFK:25,LHR:null", await read.ExecuteScalarAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_query_past_its_timeout_is_interrupted_and_a_504_problem()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await PostAsync("SELECT count(*) FROM range(1000000000) a, range(1000000) b, flights", timeoutMs: 1000);
        clock.Stop();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("The query was interrupted after its timeout of 1 s.", problem.RootElement.GetProperty("detail").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task An_unknown_format_is_a_400_problem()
    {
        using var response = await PostAsync("SELECT 1", "xlsx");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_call_without_a_valid_service_token_is_a_401_problem()
    {
        var body = new { sql = "SELECT origin FROM flights" };
        var otherKey = ServiceToken.Issue("not-the-key-of-this-stack-0123456789abcdef", _workspaceId, _workspace, DateTimeOffset.UtcNow);
        var expired = ServiceToken.Issue(stack.ServiceTokenKey, _workspaceId, _workspace, DateTimeOffset.UtcNow.AddMinutes(-5));

        foreach (var token in new[] { null, otherKey, expired, "not-a-token" })
        {
            using var response = await SendAsync(token, body);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
            Assert.DoesNotContain("AMS", problem.RootElement.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_workspace_comes_from_the_service_token_and_never_from_the_body()
    {
        // Another workspace with a dataset of the same name and other rows.
        var other = "q" + Guid.NewGuid().ToString("N")[..10];
        var otherId = await _store.Workspaces.EnsureAsync(other);
        await LoadAsync(otherId, other, "SELECT * FROM (VALUES ('SFO', 99)) AS t(origin, delay)");

        // A token for this workspace with a body naming the other one (the old body's fields).
        using var response = await SendAsync(Token(), new { workspaceId = otherId, workspace = other, sql = "SELECT origin FROM flights ORDER BY origin" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"columns":[{"name":"origin","type":"VARCHAR"}],"rows":[["AMS"],["JFK"],["LHR"]],"truncated":false}""",
            await response.Content.ReadAsStringAsync());

        // The other workspace's rows only with a token for it.
        using var theirs = await SendAsync(Token(otherId, other), new { sql = "SELECT origin FROM flights ORDER BY origin" });
        Assert.Equal(
            """{"columns":[{"name":"origin","type":"VARCHAR"}],"rows":[["SFO"]],"truncated":false}""",
            await theirs.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_query_over_a_lost_lake_file_fails_without_server_paths_and_with_a_correlation_id()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Lake, _workspace, "flights")))
        {
            File.Delete(file);
        }

        using var response = await PostAsync("SELECT origin FROM flights");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        // DuckDB named the file by its absolute path; the client sees it relative to the lake.
        Assert.Contains($"{_workspace}/flights/", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(stack.DataDirectory, detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(^|[\s""'(])/\w", detail);
        Assert.Matches("^[0-9a-f]{32}$", problem.RootElement.GetProperty("correlationId").GetString());
    }
}
