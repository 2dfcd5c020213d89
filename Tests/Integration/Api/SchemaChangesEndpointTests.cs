using System.Net;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary><c>schema_evolution</c> as a client sees it: what each snapshot changed, and older versions read through the Api.</summary>
[Collection(StackDefinition.Name)]
public sealed class SchemaChangesEndpointTests(StackFixture stack)
{
    [Fact]
    public async Task Snapshots_list_the_columns_each_version_added_or_widened_and_the_version_before_reads_as_it_was()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string Spec(string transform) => $"""
            name: evolve-{suffix}
            source: {"{"} kind: csv, path: fares.csv, header: true {"}"}
            transform: "{transform}"
            target: {"{"} dataset: evolve_{suffix} {"}"}
            schema_evolution: widen
            """;
        var first = await CatalogData.RunAsync(stack, Spec("SELECT CAST(id AS INTEGER) AS id, CAST(fare AS INTEGER) AS fare FROM source"),
            new Dictionary<string, string> { ["fares.csv"] = "id,fare,tip\n1,10,0.5\n2,20,1.5\n" });
        var second = await CatalogData.RunAsync(stack, Spec("SELECT CAST(id AS INTEGER) AS id, CAST(fare AS BIGINT) AS fare, CAST(tip AS DOUBLE) AS tip FROM source"),
            new Dictionary<string, string> { ["fares.csv"] = "id,fare,tip\n3,5000000000,2.5\n" });
        Assert.Equal((RunStatus.Succeeded, RunStatus.Succeeded), (first.Status, second.Status));
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        using var snapshots = await analyst.GetAsync($"/api/datasets/evolve_{suffix}/snapshots");
        Assert.Equal(HttpStatusCode.OK, snapshots.StatusCode);
        var items = (await snapshots.BodyAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2L, 1L], items.Select(i => i.GetProperty("version").GetInt64()));
        var changes = items[0].GetProperty("schemaChanges");
        Assert.Equal("""[{"name":"tip","type":"DOUBLE"}]""", changes.GetProperty("added").GetRawText());
        Assert.Equal("""[{"name":"fare","from":"INTEGER","to":"BIGINT"}]""", changes.GetProperty("widened").GetRawText());
        Assert.Equal("""{"added":[],"widened":[]}""", items[1].GetProperty("schemaChanges").GetRawText());

        Assert.Equal(["id,fare", "1,10", "2,20"], await PreviewCsvAsync(analyst, $"evolve_{suffix}", "?version=1"));
        Assert.Equal(["id,fare,tip", "1,10,", "2,20,", "3,5000000000,2.5"], await PreviewCsvAsync(analyst, $"evolve_{suffix}", string.Empty));
    }

    /// <summary>The preview as CSV, without the lake's own columns, sorted after the header.</summary>
    private static async Task<List<string>> PreviewCsvAsync(HttpClient client, string dataset, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/datasets/{dataset}/preview{query}");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !header[i].StartsWith("_ductus_", StringComparison.Ordinal)).ToList();
        var rows = lines.Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))).ToList();
        return [rows[0], .. rows.Skip(1).Order(StringComparer.Ordinal)];
    }
}
