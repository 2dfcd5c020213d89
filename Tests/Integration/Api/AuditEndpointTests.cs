using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>Archive, restore and purge through the Api, and the audit trail they leave, filtered and paged.</summary>
[Collection(StackDefinition.Name)]
public sealed class AuditEndpointTests(StackFixture stack)
{
    [Fact]
    public async Task A_pipeline_archived_restored_and_purged_leaves_one_audit_row_per_change_and_none_for_a_refused_one()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var admin = await stack.CreateAdminClientAsync();
        var name = "audit-" + Guid.NewGuid().ToString("N")[..10];
        var pipeline = ApiJson.Relative($"/api/pipelines/{name}");

        Assert.Equal(HttpStatusCode.Created, (await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(PipelineEndpointTests.SpecYaml(name)))).StatusCode);
        using (var refused = await engineer.PutAsync(pipeline, ApiJson.Yaml("name: " + name)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await engineer.PutAsync(pipeline, ApiJson.Json(PipelineEndpointTests.SpecJson(name, "changed")))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await engineer.PostAsync($"/api/pipelines/{name}/runs", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await engineer.DeleteAsync(pipeline)).StatusCode);

        // Archived: gone from reads, and its name cannot be taken by a new pipeline.
        Assert.Equal(HttpStatusCode.NotFound, (await engineer.GetAsync($"/api/pipelines/{name}")).StatusCode);
        var listed = await (await engineer.GetAsync("/api/pipelines")).BodyAsync();
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == name);
        using (var taken = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(PipelineEndpointTests.SpecYaml(name))))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Contains("restore", (await taken.BodyAsync()).ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await engineer.PostAsync($"/api/pipelines/{name}/restore", null)).StatusCode);
        var restored = await (await engineer.GetAsync($"/api/pipelines/{name}")).BodyAsync();
        Assert.Equal(2, restored.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync(ApiJson.Relative($"/api/pipelines/{name}/purge"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await engineer.DeleteAsync(pipeline)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await engineer.PostAsync($"/api/pipelines/{name}/purge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync(ApiJson.Relative($"/api/pipelines/{name}/purge"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await engineer.PostAsync($"/api/pipelines/{name}/restore", null)).StatusCode);

        var entries = await AuditAsync(admin, $"target={name}");
        Assert.Equal(
            ["pipeline.created", "pipeline.updated", "run.triggered", "pipeline.archived", "pipeline.restored", "pipeline.archived", "pipeline.purged"],
            entries.Select(e => e.GetProperty("action").GetString()).Reverse());
        Assert.Single(entries.Skip(1).Select(e => e.GetProperty("actor").GetString()).Distinct());
        Assert.Equal("admin", entries[0].GetProperty("actor").GetString());
        Assert.All(entries, e => Assert.Matches("^[0-9a-f]{32}$", e.GetProperty("requestId").GetString()!));
        Assert.Equal(1, entries[5].GetProperty("details").GetProperty("before").GetProperty("version").GetInt32());

        // Filters combine, and pages follow nextBefore.
        Assert.Equal(2, (await AuditAsync(admin, $"target={name}&action=pipeline.archived")).Count);
        Assert.Empty(await AuditAsync(admin, $"target={name}&actor=nobody"));
        Assert.Empty(await AuditAsync(admin, $"target={name}&from={DateTimeOffset.UtcNow.AddMinutes(1):O}".Replace("+", "%2B", StringComparison.Ordinal)));
        var first = await (await admin.GetAsync($"/api/audit?target={name}&limit=4")).BodyAsync();
        var next = first.GetProperty("nextBefore").GetInt64();
        var second = await AuditAsync(admin, $"target={name}&before={next}");
        Assert.Equal(3, second.Count);
        Assert.All(second, e => Assert.True(e.GetProperty("id").GetInt64() < next));
    }

    [Theory]
    [InlineData("action=pipeline.exploded", "action")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("limit=0", "limit")]
    public async Task A_bad_filter_is_a_400_problem_naming_the_parameter(string query, string field)
    {
        using var admin = await stack.CreateAdminClientAsync();
        using var response = await admin.GetAsync($"/api/audit?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.ErrorNamesAsync(), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_archived_dataset_answers_as_an_unknown_one_until_restored_with_its_rows()
    {
        var run = await CatalogData.OwnFlightsRunAsync(stack, unscheduled: true);
        var dataset = run.Dataset;
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var sql = new { sql = $"SELECT count(*) AS n FROM {dataset}" };

        Assert.Equal(HttpStatusCode.NoContent, (await engineer.DeleteAsync(ApiJson.Relative($"/api/datasets/{dataset}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await engineer.GetAsync($"/api/datasets/{dataset}")).StatusCode);
        using (var hidden = await engineer.PostAsJsonAsync(ApiJson.Relative("/api/query"), sql))
        {
            Assert.Equal(HttpStatusCode.BadRequest, hidden.StatusCode);
            Assert.Equal($"unknown dataset '{dataset}'", (await hidden.BodyAsync()).GetProperty("detail").GetString());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await engineer.PostAsync($"/api/datasets/{dataset}/restore", null)).StatusCode);
        using var visible = await engineer.PostAsJsonAsync(ApiJson.Relative("/api/query"), sql);
        Assert.Equal(HttpStatusCode.OK, visible.StatusCode);
        Assert.Equal(4, (await visible.BodyAsync()).GetProperty("rows")[0][0].GetInt32());

        // Rolling back to the current version is refused; to a version that never was, 404.
        using var current = await engineer.PostAsJsonAsync(ApiJson.Relative($"/api/datasets/{dataset}/rollback"), new { version = 1 });
        Assert.Equal(HttpStatusCode.Conflict, current.StatusCode);
        using var missing = await engineer.PostAsJsonAsync(ApiJson.Relative($"/api/datasets/{dataset}/rollback"), new { version = 0 });
        Assert.Contains("version", await missing.ErrorNamesAsync(), StringComparer.OrdinalIgnoreCase);

        using var admin = await stack.CreateAdminClientAsync();
        Assert.Equal(["dataset.archived", "dataset.restored"],
            (await AuditAsync(admin, $"target={dataset}")).Select(e => e.GetProperty("action").GetString()).Reverse());
    }

    [Fact]
    public async Task Rows_retention_moved_to_the_archive_still_read_in_order_and_flagged_archived()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var admin = await stack.CreateAdminClientAsync();
        var name = "audit-archived-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(PipelineEndpointTests.SpecYaml(name)))).StatusCode);

        // A row from long ago in the same workspace, moved to the archive the way retention moves it.
        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var archive = new NpgsqlCommand("""
                SELECT set_config('ductus.workspace_id', workspace_id::text, true) FROM audit_log WHERE target = @name LIMIT 1;
                INSERT INTO audit_log (workspace_id, actor, action, target, details, at)
                     SELECT workspace_id, 'admin', 'pipeline.updated', @name, '{"before": {"version": 0}}', now() - interval '400 days'
                       FROM audit_log WHERE target = @name LIMIT 1;
                SELECT ductus_archive_audit(now() - interval '399 days', 100);
                """, connection, tx);
            archive.Parameters.AddWithValue("name", name);
            await archive.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }

        // Newest id first; the backdated row was written last, so its id is the newer one.
        var entries = await AuditAsync(admin, $"target={name}");
        Assert.Equal([("pipeline.updated", true), ("pipeline.created", false)],
            entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("archived").GetBoolean())));
        Assert.Equal(0, entries[0].GetProperty("details").GetProperty("before").GetProperty("version").GetInt32());
        // One cursor pages from the archive on into the log.
        var first = await (await admin.GetAsync(ApiJson.Relative($"/api/audit?target={name}&limit=1"))).BodyAsync();
        Assert.True(Assert.Single(first.GetProperty("items").EnumerateArray()).GetProperty("archived").GetBoolean());
        var next = await AuditAsync(admin, $"target={name}&before={first.GetProperty("nextBefore").GetInt64()}");
        Assert.Equal("pipeline.created", Assert.Single(next).GetProperty("action").GetString());
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string query)
    {
        using var response = await admin.GetAsync(new Uri($"/api/audit?{query}", UriKind.Relative));
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("items").EnumerateArray()];
    }
}
