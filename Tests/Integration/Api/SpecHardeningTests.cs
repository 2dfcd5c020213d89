using System.Diagnostics;
using System.Net;
using Ductus.Core.Auth;
using Ductus.Core.Specs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Specs;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// Specs posted to the Api by hostile or merely foreign callers: documents built to exhaust the
/// parser, and specs that name another workspace's secrets, connections or files.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class SpecHardeningTests(StackFixture stack)
{
    public static TheoryData<string, string> HostileDocuments => new()
    {
        { "/api/pipelines", "billion-laughs" },
        { "/api/pipelines", "self-reference" },
        { "/api/pipelines", "deep-yaml" },
        { "/api/pipelines", "deep-json" },
        { "/api/pipelines/validate", "billion-laughs" },
        { "/api/pipelines/validate", "self-reference" },
        { "/api/pipelines/validate", "deep-yaml" },
        { "/api/pipelines/validate", "deep-json" },
    };

    [Theory]
    [MemberData(nameof(HostileDocuments))]
    public async Task A_hostile_document_gets_a_400_naming_the_problem_and_the_api_stays_up(string route, string document)
    {
        var (content, reason) = document switch
        {
            "billion-laughs" => (ApiJson.Yaml(HostileSpecTests.BillionLaughs()), "YAML anchors and aliases (&a) are not allowed"),
            "self-reference" => (ApiJson.Yaml(HostileSpecTests.SelfReference), "YAML anchors and aliases (&c) are not allowed"),
            "deep-yaml" => (ApiJson.Yaml(HostileSpecTests.DeepNesting()), $"nests deeper than {SpecParser.MaxDepth} levels"),
            _ => (ApiJson.Json(HostileSpecTests.DeepJson()), $"nests deeper than {SpecParser.MaxDepth} levels"),
        };
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        // A first request warms the token and the route up, so the clock below times only the refusal.
        using (var warm = await engineer.PostAsync("/api/pipelines/validate", ApiJson.Yaml("name: warm")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, warm.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        using var response = await engineer.PostAsync(route, content);
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["(document)"], await response.ErrorNamesAsync());
        var error = (await response.BodyAsync()).GetProperty("errors")[0].GetProperty("reason").GetString();
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the refusal took {clock.Elapsed}");

        using var anonymous = stack.CreateApiClient();
        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_secret_or_connection_of_the_default_workspace_is_refused_to_another_when_the_spec_is_saved()
    {
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        var name = "p-" + Guid.NewGuid().ToString("N")[..10];
        var http = $$"""
            name: {{name}}
            source:
              kind: http
              url: https://api.github.com/repos/x/issues
              auth: { bearer_from: "Ductus:Secrets:github" }
            target: { dataset: issues }
            """;
        var postgres = $$"""
            name: {{name}}
            source: { kind: postgres, connection: shop, query: SELECT 1 AS id }
            target: { dataset: orders }
            """;

        foreach (var route in new[] { "/api/pipelines/validate", "/api/pipelines" })
        {
            using var secret = await other.PostAsync(route, ApiJson.Yaml(http));
            Assert.Equal(HttpStatusCode.BadRequest, secret.StatusCode);
            Assert.Matches(
                "^secret 'github' is not granted to workspace 'other-[0-9a-f]{10}' \\(an operator grants it in Ductus:Grants:Secrets:github:Workspaces\\)$",
                await ReasonAsync(secret, "source.auth.bearer_from"));

            using var connection = await other.PostAsync(route, ApiJson.Yaml(postgres));
            Assert.Equal(HttpStatusCode.BadRequest, connection.StatusCode);
            Assert.StartsWith("connection 'shop' is not granted to workspace 'other-", await ReasonAsync(connection, "source.connection"), StringComparison.Ordinal);
        }

        using var read = await other.GetAsync($"/api/pipelines/{name}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Validation_does_not_tell_another_workspace_whether_a_file_exists_under_the_default_roots()
    {
        File.WriteAllText(Path.Combine(stack.SourceRoot, "hardening-exists.csv"), "id\n1\n");
        using var other = await stack.ClientOfOtherWorkspaceAsync();
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        string Spec(string path) => $$"""
            name: p-paths
            source: { kind: csv, path: "{{path}}" }
            target: { dataset: paths }
            """;
        async Task<string?> AnswerAsync(HttpClient client, string path)
        {
            using var response = await client.PostAsync("/api/pipelines/validate", ApiJson.Yaml(Spec(path)));
            return response.StatusCode == HttpStatusCode.OK ? null : await ReasonAsync(response, "source.path");
        }

        Assert.Null(await AnswerAsync(engineer, "hardening-exists.csv"));
        Assert.Equal(await AnswerAsync(other, "hardening-missing.csv"), await AnswerAsync(other, "hardening-exists.csv"));
        Assert.Equal(
            await AnswerAsync(other, Path.Combine(stack.SourceRoot, "hardening-missing.csv")),
            await AnswerAsync(other, Path.Combine(stack.SourceRoot, "hardening-exists.csv")));
        Assert.NotNull(await AnswerAsync(other, "hardening-exists.csv"));
    }

    /// <summary>The reason given for the field <paramref name="name"/> of a 400 problem.</summary>
    private static async Task<string> ReasonAsync(HttpResponseMessage response, string name)
    {
        Assert.Contains(name, await response.ErrorNamesAsync());
        var errors = (await response.BodyAsync()).GetProperty("errors").EnumerateArray();
        return errors.First(e => e.GetProperty("name").GetString() == name).GetProperty("reason").GetString()!;
    }
}
