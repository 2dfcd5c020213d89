using System.Net;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Query;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// The Api serves the dataset list and runs from a cache keyed by the catalog's version tokens:
/// a change another process commits (here the test, writing as the Pipelines service does) must
/// show in the very next request.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class CatalogCacheApiTests(StackFixture stack)
{
    [Fact]
    public async Task A_run_and_the_catalog_read_through_the_api_follow_every_commit()
    {
        await using var db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var writer = await stack.CatalogAsync(db);
        var ws = ApiLake.DefaultWorkspace;
        var dataset = ApiLake.NewDatasetName();
        using var client = await stack.ClientForRoleAsync("analyst");

        var run = await writer.Runs.CreateAsync(ws, "load_" + dataset, dataset, RunTrigger.Manual);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("queued", await StatusAsync(client, run.Id));
        }

        Assert.DoesNotContain(dataset, await DatasetNamesAsync(client));

        await writer.Runs.MarkRunningAsync(ws, run.Id, "test-node");
        Assert.Equal("running", await StatusAsync(client, run.Id));

        await writer.Committer.CommitAsync(ws, new CommitRequest(run.Id, dataset, "cached", [new DatasetColumn("id", "BIGINT", null, true)], WriteMode.Append,
            [new LakeFile($"default/{dataset}/a.parquet", 7, 700, new Dictionary<string, ColumnStats>())],
            new RunStats(7, 7, 0, 700)));
        Assert.Equal("succeeded", await StatusAsync(client, run.Id));
        Assert.Contains(dataset, await DatasetNamesAsync(client));
        using var one = await client.GetAsync(new Uri($"/api/datasets/{dataset}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(7, JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement.GetProperty("rowCount").GetInt64());
    }

    private static async Task<string> StatusAsync(HttpClient client, Guid runId)
    {
        using var response = await client.GetAsync(new Uri($"/api/runs/{runId}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!;
    }

    private static async Task<List<string>> DatasetNamesAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/api/datasets", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()!)];
    }
}
