using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class DatasetEndpointTests(StackFixture stack)
{
    [Fact]
    public async Task The_catalog_shows_a_loaded_dataset_with_its_schema_freshness_and_snapshots()
    {
        var run = await CatalogData.OwnFlightsRunAsync(stack);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var list = await analyst.GetAsync("/api/datasets");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var listed = (await list.BodyAsync()).GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == run.Dataset);

        using var read = await analyst.GetAsync($"/api/datasets/{run.Dataset}");
        var dataset = await read.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(listed.ToString(), dataset.ToString());
        Assert.Equal("flights for the API tests", dataset.GetProperty("description").GetString());
        Assert.Equal(4, dataset.GetProperty("rowCount").GetInt64());
        Assert.Equal(1, dataset.GetProperty("currentVersion").GetInt64());
        Assert.Equal(run.Pipeline, dataset.GetProperty("pipeline").GetString());
        Assert.Equal(JsonValueKind.String, dataset.GetProperty("lastLoadedAt").ValueKind);
        var columns = dataset.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        // The contract's columns, then the lake's own bookkeeping columns.
        Assert.Equal(["departed_at", "delay", "distance", "origin", "destination"], columns.Keys.Take(5));
        Assert.All(columns.Keys.Skip(5), c => Assert.StartsWith("_ductus_", c, StringComparison.Ordinal));
        Assert.Equal("BIGINT", columns["distance"].GetProperty("type").GetString());
        Assert.Equal("miles", columns["distance"].GetProperty("description").GetString());
        Assert.Equal("0 0 * * * ?", dataset.GetProperty("schedule").GetString());
        Assert.Equal("fresh", dataset.GetProperty("freshness").GetProperty("status").GetString());
        Assert.True(dataset.GetProperty("freshness").GetProperty("dueBy").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        using var snapshots = await analyst.GetAsync($"/api/datasets/{run.Dataset}/snapshots");
        Assert.Equal(HttpStatusCode.OK, snapshots.StatusCode);
        var snapshot = Assert.Single((await snapshots.BodyAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(1, snapshot.GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, snapshot.GetProperty("parent").ValueKind);
        Assert.Equal(run.Id, snapshot.GetProperty("runId").GetGuid());
        Assert.Equal("append", snapshot.GetProperty("operation").GetString());
        Assert.Equal(4, snapshot.GetProperty("rowCount").GetInt64());
        Assert.True(snapshot.GetProperty("fileCount").GetInt32() >= 1);
        Assert.True(snapshot.GetProperty("bytes").GetInt64() > 0);

        foreach (var missing in new[] { "/api/datasets/no_such_dataset", "/api/datasets/no_such_dataset/snapshots" })
        {
            using var response = await analyst.GetAsync(missing);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(["name"], await response.ErrorNamesAsync());
        }
    }

    [Fact]
    public async Task Ingest_clients_cannot_read_the_catalog_and_other_workspaces_cannot_see_the_dataset()
    {
        var run = await CatalogData.FlightsRunAsync(stack);
        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        using var other = await stack.ClientOfOtherWorkspaceAsync();

        foreach (var route in new[] { "/api/datasets", $"/api/datasets/{run.Dataset}", $"/api/datasets/{run.Dataset}/snapshots" })
        {
            using var response = await ingest.GetAsync(route);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"ingest {route} answered {(int)response.StatusCode}");
        }

        using (var list = await other.GetAsync("/api/datasets"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.DoesNotContain((await list.BodyAsync()).GetProperty("items").EnumerateArray(), d => d.GetProperty("name").GetString() == run.Dataset);
        }

        foreach (var route in new[] { $"/api/datasets/{run.Dataset}", $"/api/datasets/{run.Dataset}/snapshots" })
        {
            using var response = await other.GetAsync(route);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }
}
