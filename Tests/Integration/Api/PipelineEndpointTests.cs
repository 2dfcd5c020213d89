using System.Net;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class PipelineEndpointTests(StackFixture stack)
{
    // A URL source: the Api validates it without fetching it, and needs no file under its source roots.
    public static string SpecYaml(string name, string description = "flights from the API") => $"""
        name: {name}
        description: {description}
        source:
          kind: csv
          path: https://example.com/{name}.csv
        contract:
          columns:
            delay:
              type: integer
              min: -1440
              max: 2880
        target:
          dataset: {name.Replace('-', '_')}
          mode: append
        schedule: "0 0 * * * ?"
        """;

    public static string SpecJson(string name, string description) => $$"""
        {
          "name": "{{name}}",
          "description": "{{description}}",
          "source": { "kind": "csv", "path": "https://example.com/{{name}}.csv" },
          "contract": { "max_reject_ratio": 0.5, "columns": { "delay": { "type": "integer", "min": -1440 } } },
          "target": { "dataset": "{{name.Replace('-', '_')}}", "mode": "append" }
        }
        """;

    private const string BrokenSpec = """
        name: Not A Name
        source:
          kind: csv
          path: /etc/passwd
        contract:
          columns:
            delay: { type: integer, min: soon }
            distance: { type: wibble }
        target:
          mode: append
        """;

    private static string NewName() => "p-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_pipeline_is_created_from_yaml_read_listed_updated_from_json_and_deleted()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var name = NewName();

        using var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(SpecYaml(name)));
        var body = await created.BodyAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        Assert.Equal($"/api/pipelines/{name}", created.Headers.Location?.OriginalString);
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal(name.Replace('-', '_'), body.GetProperty("dataset").GetString());
        Assert.Equal("0 0 * * * ?", body.GetProperty("schedule").GetString());
        Assert.True(body.GetProperty("enabled").GetBoolean());
        Assert.Equal("yaml", body.GetProperty("format").GetString());
        Assert.Equal("csv", body.GetProperty("spec").GetProperty("source").GetProperty("kind").GetString());
        Assert.Equal(2880, body.GetProperty("spec").GetProperty("contract").GetProperty("columns").GetProperty("delay").GetProperty("max").GetDouble());

        using var again = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(SpecYaml(name)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using var read = await engineer.GetAsync($"/api/pipelines/{name}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(body.GetProperty("spec").ToString(), (await read.BodyAsync()).GetProperty("spec").ToString());

        using var list = await engineer.GetAsync("/api/pipelines");
        Assert.Contains((await list.BodyAsync()).GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == name);

        using var updated = await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Json(SpecJson(name, "now from JSON")));
        var update = await updated.BodyAsync();
        Assert.True(updated.StatusCode == HttpStatusCode.OK, update.ToString());
        Assert.Equal(2, update.GetProperty("version").GetInt32());
        Assert.Equal("json", update.GetProperty("format").GetString());
        Assert.Equal(0.5, update.GetProperty("spec").GetProperty("contract").GetProperty("max_reject_ratio").GetDouble());
        Assert.Equal(JsonValueKindNull, update.GetProperty("schedule").ValueKind);

        using var renamed = await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Json(SpecJson(name + "x", "renamed")));
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Contains("name", await renamed.ErrorNamesAsync());

        using var deleted = await engineer.DeleteAsync(ApiJson.Relative($"/api/pipelines/{name}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var gone in new[]
        {
            await engineer.GetAsync($"/api/pipelines/{name}"),
            await engineer.DeleteAsync(ApiJson.Relative($"/api/pipelines/{name}")),
            await engineer.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Yaml(SpecYaml(name))),
        })
        {
            using (gone)
            {
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
                Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Theory]
    [InlineData("/api/pipelines")]
    [InlineData("/api/pipelines/validate")]
    public async Task A_malformed_spec_is_refused_with_every_error_at_its_path(string route)
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var response = await engineer.PostAsync(route, ApiJson.Yaml(BrokenSpec));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var names = await response.ErrorNamesAsync();
        // The path outside the source roots is refused by the same validator that checks the rest.
        string[] expected = ["name", "source.path", "contract.columns.delay.min", "contract.columns.distance.type", "target.dataset"];
        Assert.All(expected, path => Assert.Contains(path, names));
        var body = await response.BodyAsync();
        Assert.All(body.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));

        using var broken = await engineer.PostAsync(route, ApiJson.Json("{ \"name\": \"x\", "));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(["(document)"], await broken.ErrorNamesAsync());

        using var plain = await engineer.PostAsync(route, new StringContent("name: x"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(["content-type"], await plain.ErrorNamesAsync());
    }

    [Fact]
    public async Task Validating_a_good_spec_answers_valid_and_saves_nothing()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var name = NewName();
        using var response = await engineer.PostAsync("/api/pipelines/validate", ApiJson.Json(SpecJson(name, "only checked")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.BodyAsync()).GetProperty("valid").GetBoolean());
        using var read = await engineer.GetAsync($"/api/pipelines/{name}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Analysts_read_pipelines_but_only_engineers_change_them_and_ingest_clients_see_none()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        using var ingest = await stack.ClientForRoleAsync(Roles.Ingest);
        var name = NewName();
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(SpecYaml(name))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var read = await analyst.GetAsync($"/api/pipelines/{name}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var refused = new List<(string Who, HttpResponseMessage Response)>
        {
            ("analyst create", await analyst.PostAsync("/api/pipelines", ApiJson.Yaml(SpecYaml(NewName())))),
            ("analyst validate", await analyst.PostAsync("/api/pipelines/validate", ApiJson.Yaml(SpecYaml(NewName())))),
            ("analyst update", await analyst.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Yaml(SpecYaml(name, "changed")))),
            ("analyst delete", await analyst.DeleteAsync(ApiJson.Relative($"/api/pipelines/{name}"))),
            ("analyst run", await analyst.PostAsync($"/api/pipelines/{name}/runs")),
            ("ingest list", await ingest.GetAsync("/api/pipelines")),
            ("ingest read", await ingest.GetAsync($"/api/pipelines/{name}")),
        };
        foreach (var (who, response) in refused)
        {
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{who} answered {(int)response.StatusCode}");
            }
        }

        using var still = await engineer.GetAsync($"/api/pipelines/{name}");
        Assert.Equal(1, (await still.BodyAsync()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Another_workspace_cannot_see_or_touch_a_pipeline_even_by_name()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        var name = NewName();
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(SpecYaml(name))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var list = await other.GetAsync("/api/pipelines"))
        {
            Assert.DoesNotContain((await list.BodyAsync()).GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == name);
        }

        foreach (var response in new[]
        {
            await other.GetAsync($"/api/pipelines/{name}"),
            await other.PutAsync(ApiJson.Relative($"/api/pipelines/{name}"), ApiJson.Yaml(SpecYaml(name, "hijacked"))),
            await other.DeleteAsync(ApiJson.Relative($"/api/pipelines/{name}")),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }

        using var still = await engineer.GetAsync($"/api/pipelines/{name}");
        var body = await still.BodyAsync();
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal("flights from the API", body.GetProperty("spec").GetProperty("description").GetString());
    }
}
