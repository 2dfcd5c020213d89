using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;

namespace Ductus.Tests.Integration.Query;

/// <summary><c>GET /api/datasets/{name}/diff</c>: two snapshots of a dataset loaded with known differences.</summary>
[Collection(StackDefinition.Name)]
public sealed class DatasetDiffTests(StackFixture stack)
{
    // Version 2 replaces version 1: row 1's score changes, one of the two equal rows 2 goes, row 3
    // stays (a null score both times), row 4 comes twice; city goes, note comes, code turns text.
    private const string First = """
        id,name,score,code,city
        1,a,10,7,X
        2,b,20,8,Y
        2,b,20,8,Y
        3,c,,9,Z
        """;

    private const string Second = """
        id,name,score,code,note
        1,a,11,7,n1
        2,b,20,8,n2
        3,c,,9,n3
        4,d,40,X1,n4
        4,d,40,X1,n4
        """;

    private static JsonElement Stats(JsonElement column, string side) => column.GetProperty(side);

    [Fact]
    public async Task Two_snapshots_differ_by_the_exact_rows_added_and_removed_the_schema_change_and_column_stats()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, First);
        await ApiLake.LoadCsvAsync(stack, dataset, Second, mode: "replace");
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var response = await analyst.GetAsync($"/api/datasets/{dataset}/diff?from=1&to=2");
        var diff = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, diff.ToString());
        Assert.Equal(dataset, diff.GetProperty("dataset").GetString());
        Assert.Equal((1L, 4L, "append"), (diff.GetProperty("from").GetProperty("version").GetInt64(), diff.GetProperty("from").GetProperty("rows").GetInt64(), diff.GetProperty("from").GetProperty("operation").GetString()));
        Assert.Equal((2L, 5L, "replace"), (diff.GetProperty("to").GetProperty("version").GetInt64(), diff.GetProperty("to").GetProperty("rows").GetInt64(), diff.GetProperty("to").GetProperty("operation").GetString()));
        Assert.Equal((3L, 2L), (diff.GetProperty("rowsAdded").GetInt64(), diff.GetProperty("rowsRemoved").GetInt64()));

        var schema = diff.GetProperty("schema");
        Assert.Equal(["note"], schema.GetProperty("added").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["city"], schema.GetProperty("removed").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var changed = Assert.Single(schema.GetProperty("changed").EnumerateArray());
        Assert.Equal(("code", "BIGINT", "VARCHAR"), (changed.GetProperty("name").GetString(), changed.GetProperty("from").GetString(), changed.GetProperty("to").GetString()));

        var columns = diff.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["id", "name", "score", "code", "note", "city"], columns.Keys);
        var score = columns["score"];
        Assert.Equal((10, 20, 1L), (Stats(score, "from").GetProperty("min").GetInt32(), Stats(score, "from").GetProperty("max").GetInt32(), Stats(score, "from").GetProperty("nulls").GetInt64()));
        Assert.Equal((11, 40, 1L), (Stats(score, "to").GetProperty("min").GetInt32(), Stats(score, "to").GetProperty("max").GetInt32(), Stats(score, "to").GetProperty("nulls").GetInt64()));
        Assert.Equal(JsonValueKind.Null, columns["note"].GetProperty("from").ValueKind);
        Assert.Equal(("n1", "n4", 0L), (Stats(columns["note"], "to").GetProperty("min").GetString(), Stats(columns["note"], "to").GetProperty("max").GetString(), Stats(columns["note"], "to").GetProperty("nulls").GetInt64()));
        Assert.Equal(JsonValueKind.Null, columns["city"].GetProperty("to").ValueKind);
        Assert.Equal(("X", "Z"), (Stats(columns["city"], "from").GetProperty("min").GetString(), Stats(columns["city"], "from").GetProperty("max").GetString()));

        using var same = await analyst.GetAsync($"/api/datasets/{dataset}/diff?from=2&to=2");
        var none = await same.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal((0L, 0L), (none.GetProperty("rowsAdded").GetInt64(), none.GetProperty("rowsRemoved").GetInt64()));
        Assert.Equal(0, none.GetProperty("schema").GetProperty("changed").GetArrayLength() + none.GetProperty("schema").GetProperty("added").GetArrayLength());
    }

    [Fact]
    public async Task Missing_or_unknown_versions_are_named()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, First);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using (var missing = await analyst.GetAsync($"/api/datasets/{dataset}/diff?to=1"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Equal(["from"], await missing.ErrorNamesAsync());
        }

        using (var unknown = await analyst.GetAsync($"/api/datasets/{dataset}/diff?from=1&to=9"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal(["to"], await unknown.ErrorNamesAsync());
            Assert.Contains("9", (await unknown.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using var hidden = await other.GetAsync($"/api/datasets/{dataset}/diff?from=1&to=1");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(["name"], await hidden.ErrorNamesAsync());
    }
}
