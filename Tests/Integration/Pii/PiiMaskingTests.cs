using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;

namespace Ductus.Tests.Integration.Pii;

/// <summary>Every read path of a dataset with personal data, by a caller without <c>pii:read</c> and one with it.</summary>
[Collection(StackDefinition.Name)]
public sealed class PiiMaskingTests(StackFixture stack)
{
    /// <summary>The emails of <see cref="PiiWorld.OrdersCsv"/> in order.</summary>
    private static readonly string[] OrderEmails = ["alice@example.com", "alice@example.com", "bob@example.org", "nobody@example.net"];

    private static async Task<JsonElement> QueryAsync(HttpClient client, string sql)
    {
        using var response = await client.PostAsJsonAsync(ApiJson.Relative("/api/query"), new { sql });
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static List<List<string?>> Rows(JsonElement result) =>
        [.. result.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.ToString()).ToList())];

    [Fact]
    public async Task A_query_without_the_grant_reads_hashes_and_hints_and_one_with_it_reads_the_values()
    {
        var world = await PiiWorld.GetAsync(stack);
        var sql = $"SELECT id, email, full_name, city FROM {world.Customers} ORDER BY id";

        var masked = Rows(await QueryAsync(world.Masked, sql));
        var unmasked = Rows(await QueryAsync(world.Unmasked, sql));

        Assert.Equal(
            [["1", world.Hash("alice@example.com"), "A***", "Berlin"], ["2", world.Hash("bob@example.org"), "B***", "Paris"]],
            masked);
        Assert.Equal([["1", "alice@example.com", "Alice Smith", "Berlin"], ["2", "bob@example.org", "Bob Jones", "Paris"]], unmasked);
    }

    [Fact]
    public async Task Filters_joins_and_distinct_counts_see_the_masked_values_and_hashes_still_join()
    {
        var world = await PiiWorld.GetAsync(stack);
        var join = $"SELECT c.id, count(*) AS orders, count(DISTINCT o.email) AS emails FROM {world.Customers} c JOIN {world.Orders} o ON o.email = c.email GROUP BY c.id ORDER BY c.id";
        var filter = $"SELECT count(*) AS n FROM {world.Customers} WHERE email = 'alice@example.com'";

        Assert.Equal([["1", "2", "1"], ["2", "1", "1"]], Rows(await QueryAsync(world.Masked, join)));
        Assert.Equal([["1", "2", "1"], ["2", "1", "1"]], Rows(await QueryAsync(world.Unmasked, join)));
        // The view masks before the statement runs: a filter on the real value finds nothing.
        Assert.Equal([["0"]], Rows(await QueryAsync(world.Masked, filter)));
        Assert.Equal([["1"]], Rows(await QueryAsync(world.Unmasked, filter)));
        Assert.Equal([["1"]], Rows(await QueryAsync(world.Masked, $"SELECT count(*) AS n FROM {world.Customers} WHERE email = '{world.Hash("alice@example.com")}'")));
    }

    [Fact]
    public async Task Masked_results_are_cached_apart_and_unmasked_ones_are_never_cached()
    {
        var world = await PiiWorld.GetAsync(stack);
        var request = new { sql = $"SELECT email FROM {world.Orders} ORDER BY order_id" };

        foreach (var expected in new[] { "miss", "hit" })
        {
            using var masked = await world.Masked.PostAsJsonAsync(ApiJson.Relative("/api/query"), request);
            Assert.Equal(expected, masked.Headers.GetValues(DuctusHeaders.Cache).Single());
            Assert.Equal(world.Hash("alice@example.com"), Rows(await masked.BodyAsync())[0][0]);
        }

        for (var i = 0; i < 2; i++)
        {
            using var unmasked = await world.Unmasked.PostAsJsonAsync(ApiJson.Relative("/api/query"), request);
            Assert.Equal("bypassed", unmasked.Headers.GetValues(DuctusHeaders.Cache).Single());
            Assert.Equal("alice@example.com", Rows(await unmasked.BodyAsync())[0][0]);
        }
    }

    [Fact]
    public async Task An_unmasked_read_writes_an_audit_row_with_columns_versions_rows_and_the_sql_hash()
    {
        var world = await PiiWorld.GetAsync(stack);
        var sql = $"SELECT id, email, city FROM {world.Customers} WHERE id = 1 /* {Guid.NewGuid()} */";

        await QueryAsync(world.Masked, sql);
        await QueryAsync(world.Masked, $"SELECT count(*) FROM {world.Customers}");
        var before = (await PiiWorld.AuditAsync(stack, AuditActions.PiiRead, world.UnmaskedClientId)).Count;
        await QueryAsync(world.Unmasked, $"SELECT count(*) AS n, max(city) AS c FROM {world.Customers}");
        await QueryAsync(world.Unmasked, sql);

        // A count and a non-PII column reveal nothing: one row, for the statement that returned emails.
        var rows = await PiiWorld.AuditAsync(stack, AuditActions.PiiRead, world.UnmaskedClientId);
        Assert.Equal(before + 1, rows.Count);
        var (_, target, details) = rows[0];
        var after = details.GetProperty("after");
        Assert.Equal(world.Customers, target);
        Assert.Equal([$"{world.Customers}.email"], after.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(world.CustomersRun.SnapshotVersion, after.GetProperty("versions").GetProperty(world.Customers).GetInt64());
        Assert.Equal(1, after.GetProperty("rows").GetInt64());
        Assert.Matches("^[0-9a-f]{64}$", after.GetProperty("sqlSha256").GetString());
        Assert.Empty(await PiiWorld.AuditAsync(stack, AuditActions.PiiRead, "pii masked"));
    }

    [Fact]
    public async Task Preview_and_aggregate_are_masked_without_the_grant()
    {
        var world = await PiiWorld.GetAsync(stack);
        using var preview = await world.Masked.GetAsync($"/api/datasets/{world.Customers}/preview");
        var aggregate = new { groupBy = new[] { "email" }, metrics = new[] { new { fn = "count" } }, orderBy = new[] { new { by = "email" } } };
        using var grouped = await world.Masked.PostAsJsonAsync(ApiJson.Relative($"/api/datasets/{world.Orders}/aggregate"), aggregate);
        using var groupedUnmasked = await world.Unmasked.PostAsJsonAsync(ApiJson.Relative($"/api/datasets/{world.Orders}/aggregate"), aggregate);

        var previewText = (await preview.BodyAsync()).ToString();
        Assert.DoesNotContain("alice@example.com", previewText, StringComparison.Ordinal);
        Assert.Contains(world.Hash("alice@example.com"), previewText, StringComparison.Ordinal);
        var expected = OrderEmails.Distinct().Select(e => (world.Hash(e), e == "alice@example.com" ? "2" : "1"));
        Assert.Equal(expected.OrderBy(e => e.Item1, StringComparer.Ordinal), Rows(await grouped.BodyAsync()).Select(r => (r[0]!, r[1]!)));
        Assert.Equal([["alice@example.com", "2"], ["bob@example.org", "1"], ["nobody@example.net", "1"]], Rows(await groupedUnmasked.BodyAsync()));
    }

    [Fact]
    public async Task Csv_and_parquet_exports_are_masked_without_the_grant()
    {
        var world = await PiiWorld.GetAsync(stack);
        var sql = $"SELECT order_id, email FROM {world.Orders} ORDER BY order_id";

        var csv = await ExportAsync(world.Masked, sql, "text/csv");
        var parquet = await ExportAsync(world.Masked, sql, "application/vnd.apache.parquet");
        var unmaskedCsv = await ExportAsync(world.Unmasked, sql, "text/csv");

        var lines = System.Text.Encoding.UTF8.GetString(csv).ReplaceLineEndings("\n").Trim().Split('\n');
        Assert.Equal(["order_id,email", $"10,{world.Hash("alice@example.com")}"], lines[..2]);
        Assert.Contains("10,alice@example.com", System.Text.Encoding.UTF8.GetString(unmaskedCsv), StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), $"pii-{Guid.NewGuid():N}.parquet");
        await File.WriteAllBytesAsync(file, parquet);
        try
        {
            await using var duck = new DuckDBConnection("Data Source=:memory:");
            await duck.OpenAsync();
            await using var read = duck.CreateCommand();
            read.CommandText = $"SELECT string_agg(email, ',' ORDER BY order_id) FROM read_parquet('{file}')";
            Assert.Equal(string.Join(',', OrderEmails.Select(world.Hash)), await read.ExecuteScalarAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<byte[]> ExportAsync(HttpClient client, string sql, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiJson.Relative("/api/query")) { Content = JsonContent.Create(new { sql }) };
        request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(bytes));
        return bytes;
    }

    [Fact]
    public async Task Rejects_values_raw_text_messages_and_exports_are_masked_without_the_grant()
    {
        var world = await PiiWorld.GetAsync(stack);
        var runId = world.CustomersRun.Id;

        var masked = (await (await world.Masked.GetAsync($"/api/runs/{runId}/rejects")).BodyAsync()).GetProperty("items")[0];
        var unmasked = (await (await world.Unmasked.GetAsync($"/api/runs/{runId}/rejects")).BodyAsync()).GetProperty("items")[0];
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, ApiJson.Relative($"/api/runs/{runId}/rejects?format=csv"));
        var csv = await (await world.Masked.SendAsync(csvRequest)).Content.ReadAsStringAsync();
        var summary = await (await world.Masked.GetAsync($"/api/runs/{runId}/rejects/summary")).BodyAsync();

        var hash = world.Hash("not-an-email");
        Assert.Equal(hash, masked.GetProperty("values").GetProperty("email").GetString());
        Assert.Equal("C***", masked.GetProperty("values").GetProperty("full_name").GetString());
        Assert.Equal("Rome", masked.GetProperty("values").GetProperty("city").GetString());
        Assert.DoesNotContain("not-an-email", masked.ToString(), StringComparison.Ordinal);
        Assert.Contains(hash, masked.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("not-an-email", unmasked.GetProperty("values").GetProperty("email").GetString());
        Assert.Contains("not-an-email", unmasked.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-an-email", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Carl Rex", csv, StringComparison.Ordinal);
        Assert.Contains(hash, csv, StringComparison.Ordinal);
        var top = summary.GetProperty("rules")[0].GetProperty("topValues")[0].GetProperty("value").GetString();
        Assert.Equal(hash, top);
    }

    [Fact]
    public async Task Per_column_statistics_are_masked_without_the_grant()
    {
        var world = await PiiWorld.GetAsync(stack);
        var version = world.CustomersRun.SnapshotVersion;
        var path = $"/api/datasets/{world.Customers}/diff?from={version}&to={version}";

        var masked = await (await world.Masked.GetAsync(path)).BodyAsync();
        var unmasked = await (await world.Unmasked.GetAsync(path)).BodyAsync();

        JsonElement Email(JsonElement diff) => diff.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "email").GetProperty("to");
        var hashes = new[] { world.Hash("alice@example.com"), world.Hash("bob@example.org") }.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(hashes[0], Email(masked).GetProperty("min").GetString());
        Assert.Equal(hashes[1], Email(masked).GetProperty("max").GetString());
        Assert.Equal("alice@example.com", Email(unmasked).GetProperty("min").GetString());
        Assert.Equal("bob@example.org", Email(unmasked).GetProperty("max").GetString());
    }

    [Fact]
    public async Task Run_events_of_a_dataset_with_pii_hide_the_values_an_error_quotes()
    {
        var world = await PiiWorld.GetAsync(stack);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var run = await CatalogData.RunAsync(stack, $$"""
            name: broken-{{suffix}}
            source: { kind: csv, path: customers.csv, header: true, delimiter: ",", columns: { id: integer, email: varchar, full_name: varchar, city: varchar } }
            transform: SELECT id, email, CAST(email AS INTEGER) AS broken FROM source
            contract:
              columns:
                email: { type: varchar, classification: pii.email }
            target: { dataset: broken_{{suffix}} }
            """, new Dictionary<string, string> { ["customers.csv"] = PiiWorld.CustomersCsv });
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("'alice@example.com'", run.Error, StringComparison.Ordinal);

        async Task<string> RunEventAsync(HttpClient client)
        {
            using var response = await client.GetAsync(ApiJson.Relative($"/api/runs/{run.Id}/events"), HttpCompletionOption.ResponseHeadersRead);
            var events = await ServerEvents.ReadAsync(await response.Content.ReadAsStreamAsync());
            return events.Single(e => e.Name == "run").Data.GetProperty("error").GetString()!;
        }

        var masked = await RunEventAsync(world.Masked);
        var unmasked = await RunEventAsync(world.Unmasked);
        var shown = (await (await world.Masked.GetAsync($"/api/runs/{run.Id}")).BodyAsync()).GetProperty("error").GetString()!;

        Assert.DoesNotContain("alice@example.com", masked, StringComparison.Ordinal);
        Assert.Contains("'***'", masked, StringComparison.Ordinal);
        Assert.Equal(masked, shown);
        Assert.Contains("'alice@example.com'", unmasked, StringComparison.Ordinal);
    }
}
