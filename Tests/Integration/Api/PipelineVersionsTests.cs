using System.Net;
using System.Net.Http.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary><c>GET /api/pipelines/{name}/versions</c> and the cron-computed <c>nextFireAt</c> of <c>GET /api/pipelines/{name}</c>.</summary>
[Collection(StackDefinition.Name)]
public sealed class PipelineVersionsTests(StackFixture stack)
{
    [Fact]
    public async Task An_updated_spec_is_a_new_version_listed_newest_first_with_its_text()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var name = "versions-" + Guid.NewGuid().ToString("N")[..8];
        var first = PipelineEndpointTests.SpecYaml(name, "first");
        var second = PipelineEndpointTests.SpecYaml(name, "second").Replace("0 0 * * * ?", "0 */10 * * * ?", StringComparison.Ordinal);
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(first)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var updated = await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Yaml(second)))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }

        using var response = await analyst.GetAsync($"/api/pipelines/{name}/versions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.BodyAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2, 1], items.Select(i => i.GetProperty("version").GetInt32()));
        Assert.Equal([second, first], items.Select(i => i.GetProperty("spec").GetString()));
        Assert.Equal(["0 */10 * * * ?", "0 0 * * * ?"], items.Select(i => i.GetProperty("schedule").GetString()));
        Assert.True(items[0].GetProperty("createdAt").GetDateTimeOffset() >= items[1].GetProperty("createdAt").GetDateTimeOffset());

        using var missing = await analyst.GetAsync("/api/pipelines/no-such-pipeline/versions");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(["name"], await missing.ErrorNamesAsync());
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using var hidden = await other.GetAsync($"/api/pipelines/{name}/versions");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task Next_fire_time_is_the_next_cron_instant_and_null_when_disabled_or_unscheduled()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var name = "nextfire-" + Guid.NewGuid().ToString("N")[..8];
        var spec = PipelineEndpointTests.SpecYaml(name).Replace("0 0 * * * ?", "0 */10 * * * ?", StringComparison.Ordinal);
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(spec)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var before = DateTimeOffset.UtcNow;
        using (var shown = await engineer.GetAsync($"/api/pipelines/{name}"))
        {
            var body = await shown.BodyAsync();
            Assert.Equal("0 */10 * * * ?", body.GetProperty("schedule").GetString());
            var next = body.GetProperty("nextFireAt").GetDateTimeOffset();
            // The next multiple of ten minutes, on the second, after the request was made.
            var expected = new DateTimeOffset(before.Year, before.Month, before.Day, before.Hour, before.Minute / 10 * 10, 0, TimeSpan.Zero).AddMinutes(10);
            Assert.True(next == expected || (next == expected.AddMinutes(10) && DateTimeOffset.UtcNow >= expected), $"nextFireAt {next:O}, expected {expected:O}");
            Assert.Equal(TimeSpan.Zero, next.Offset);
        }

        using (var paused = await engineer.PatchAsJsonAsync(new Uri($"/api/pipelines/{name}", UriKind.Relative), new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, (await paused.BodyAsync()).GetProperty("nextFireAt").ValueKind);
        }

        var plain = "nextfire-" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Json(PipelineEndpointTests.SpecJson(plain, "no schedule"))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var unscheduled = await engineer.GetAsync($"/api/pipelines/{plain}");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await unscheduled.BodyAsync()).GetProperty("nextFireAt").ValueKind);
    }
}
