using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// Owners, tags and search through the Api on the real stack: <c>GET /api/datasets?q=&amp;tag=&amp;owner=</c>,
/// the fields on datasets and pipelines, and the audit rows of a command-line run and a paused schedule.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class DatasetSearchEndpointTests(StackFixture stack)
{
    [Fact]
    public async Task Datasets_are_found_by_words_tag_and_owner_with_their_owner_and_tags_shown()
    {
        var word = "zephyr" + Guid.NewGuid().ToString("N")[..6];
        var tag = "t-" + Guid.NewGuid().ToString("N")[..8];
        var owner = "team-" + Guid.NewGuid().ToString("N")[..8];
        var run = await RunAsync($"{word} flights", owner, tag);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        var found = Assert.Single(await ItemsAsync(analyst, $"/api/datasets?q={word[..^2]}"));
        Assert.Equal(run.Dataset, found.GetProperty("name").GetString());
        Assert.Equal(owner, found.GetProperty("owner").GetString());
        Assert.Equal(["aviation", tag], found.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(run.Dataset, Assert.Single(await ItemsAsync(analyst, $"/api/datasets?tag={tag}")).GetProperty("name").GetString());
        Assert.Equal(run.Dataset, Assert.Single(await ItemsAsync(analyst, $"/api/datasets?owner={owner.ToUpperInvariant()}&q=flights")).GetProperty("name").GetString());
        Assert.Empty(await ItemsAsync(analyst, $"/api/datasets?q={word}&tag=other"));

        using (var shown = await analyst.GetAsync($"/api/datasets/{run.Dataset}"))
        {
            Assert.Equal(owner, (await shown.BodyAsync()).GetProperty("owner").GetString());
        }

        using (var pipeline = await analyst.GetAsync($"/api/pipelines/{run.Pipeline}"))
        {
            var body = await pipeline.BodyAsync();
            Assert.Equal((owner, $"{word} flights"), (body.GetProperty("owner").GetString(), body.GetProperty("description").GetString()));
            Assert.Equal(["aviation", tag], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        var listed = (await ItemsAsync(analyst, "/api/pipelines")).Single(p => p.GetProperty("name").GetString() == run.Pipeline);
        Assert.Equal(owner, listed.GetProperty("owner").GetString());

        // Archived: out of the search until restored.
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        Assert.Equal(HttpStatusCode.NoContent, (await engineer.DeleteAsync(ApiJson.Relative($"/api/datasets/{run.Dataset}"))).StatusCode);
        Assert.Empty(await ItemsAsync(analyst, $"/api/datasets?q={word}"));
        Assert.Equal(HttpStatusCode.NoContent, (await engineer.PostAsync($"/api/datasets/{run.Dataset}/restore", null)).StatusCode);
        Assert.Single(await ItemsAsync(analyst, $"/api/datasets?q={word}"));
    }

    [Theory]
    [InlineData("tag", "Not%20A%20Tag")]
    [InlineData("owner", null)]
    [InlineData("q", null)]
    public async Task A_bad_filter_is_a_400_problem_naming_the_parameter(string field, string? value)
    {
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        // Without a value: one longer than the parameter allows (200 characters).
        using var response = await analyst.GetAsync($"/api/datasets?{field}={value ?? new string('a', 201)}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.ErrorNamesAsync(), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_command_line_run_and_a_paused_schedule_are_audited()
    {
        var run = await RunAsync("audited flights", "ops", "audited");
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using (var paused = await engineer.PatchAsJsonAsync(ApiJson.Relative($"/api/pipelines/{run.Pipeline}"), new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        }

        using var admin = await stack.CreateAdminClientAsync();
        using var response = await admin.GetAsync($"/api/audit?target={run.Pipeline}");
        var rows = (await response.BodyAsync()).GetProperty("items").EnumerateArray().Reverse().ToList();
        // The pipeline was saved straight into the catalog, as the run engine's tests do: no row of its own.
        Assert.Equal(["run.triggered", "pipeline.disabled"], rows.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal(AuditActors.CommandLine, rows[0].GetProperty("actor").GetString());
        Assert.False(rows[1].GetProperty("details").GetProperty("after").GetProperty("enabled").GetBoolean());
        Assert.Equal(run.Id, rows[0].GetProperty("details").GetProperty("after").GetProperty("runId").GetGuid());
    }

    private Task<RunRecord> RunAsync(string description, string owner, string tag)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var yaml = FlightsTestSpec.Yaml("search-" + suffix, "search_" + suffix, description: description) +
            $"\nowner: {owner}\ntags: [aviation, {tag}]\nschedule: \"0 0 * * * ?\"\n";
        return CatalogData.RunAsync(stack, yaml);
    }

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("items").EnumerateArray()];
    }
}
