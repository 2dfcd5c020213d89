using System.Net;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// The OpenAPI document as a TypeScript developer meets it: checked by an independent validator
/// (Redocly), turned into types (openapi-typescript), compiled (tsc) and used (openapi-fetch)
/// against the running stack. The npm packages are pinned in clients/typescript/package-lock.json.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class TypeScriptClientTests(StackFixture stack)
{
    private static string ClientFolder() => Path.Combine(Repository.Root, "clients", "typescript");

    // Redocly reports usage to its vendor unless told not to; tests send nothing out.
    private static readonly Dictionary<string, string> Quiet = new()
    {
        ["REDOCLY_TELEMETRY"] = "off",
        ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
    };

    private static Task<ProcessResult> RunAsync(string folder, string file, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        ExternalProcess.RunAsync(folder, file, args, new Dictionary<string, string>(Quiet.Concat(env ?? new Dictionary<string, string>())));

    private static Task<ProcessResult> NodeAsync(string folder, string script, params string[] args) =>
        RunAsync(folder, "node", [Path.Combine(ClientFolder(), "node_modules", script), .. args]);

    /// <summary>The pinned npm packages; installed from the lock file when a fresh clone has none.</summary>
    private static Task EnsurePackagesAsync() => ExternalProcess.EnsureNpmPackagesAsync(ClientFolder());

    /// <summary>The live document in a scratch folder holding a copy of the client's sources.</summary>
    private async Task<string> ScratchWithDocumentAsync()
    {
        var scratch = Path.Combine(Path.GetTempPath(), "ductus-ts-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(scratch, "src"));
        var client = ClientFolder();
        foreach (var file in new[] { "tsconfig.json", "package.json" })
        {
            File.Copy(Path.Combine(client, file), Path.Combine(scratch, file));
        }

        foreach (var source in Directory.GetFiles(Path.Combine(client, "src"), "*.ts").Where(f => !f.EndsWith(".d.ts", StringComparison.Ordinal)))
        {
            File.Copy(source, Path.Combine(scratch, "src", Path.GetFileName(source)));
        }

        Directory.CreateSymbolicLink(Path.Combine(scratch, "node_modules"), Path.Combine(client, "node_modules"));
        using var http = stack.CreateApiClient();
        await File.WriteAllTextAsync(Path.Combine(scratch, "openapi.json"), await http.GetStringAsync(ApiJson.Relative("/openapi/v1.json")));
        return scratch;
    }

    [Fact]
    public async Task The_openapi_document_passes_redocly_lint_without_errors_or_warnings()
    {
        await EnsurePackagesAsync();
        var scratch = await ScratchWithDocumentAsync();
        try
        {
            var lint = await NodeAsync(scratch, "@redocly/cli/bin/cli.js", "lint", "--config", Path.Combine(ClientFolder(), "redocly.yaml"), "openapi.json");
            Assert.True(lint.ExitCode == 0, lint.ToString());
            // Its count line, not any "warning" (Redocly also warns about the Node.js version).
            Assert.DoesNotMatch(@"You have \d+ warnings?", lint.ToString());
            Assert.Contains("openapi.json: validated", lint.Output + lint.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public async Task The_committed_api_types_match_the_live_document()
    {
        await EnsurePackagesAsync();
        var scratch = await ScratchWithDocumentAsync();
        try
        {
            var generated = await NodeAsync(scratch, "openapi-typescript/bin/cli.js", "openapi.json", "-o", "src/schema.d.ts");
            Assert.True(generated.ExitCode == 0, generated.ToString());
            // The web UI compiles against the committed copy: an Api change that is not
            // regenerated would ship a UI typed against the old API.
            var live = await File.ReadAllTextAsync(Path.Combine(scratch, "src", "schema.d.ts"));
            var committed = await File.ReadAllTextAsync(Path.Combine(ClientFolder(), "src", "schema.d.ts"));
            Assert.True(live == committed,
                "clients/typescript/src/schema.d.ts is not what the Api's document generates: run scripts/generate-client.sh and commit the result. "
                + $"First difference at character {live.Zip(committed).TakeWhile(p => p.First == p.Second).Count()}.");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public async Task A_client_generated_from_the_live_document_compiles_gets_a_token_and_lists_pipelines()
    {
        await EnsurePackagesAsync();
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var name = "ts-" + Guid.NewGuid().ToString("N")[..10];
        using (var created = await engineer.PostAsync("/api/pipelines", ApiJson.Yaml(PipelineEndpointTests.SpecYaml(name))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var scratch = await ScratchWithDocumentAsync();
        try
        {
            var generated = await NodeAsync(scratch, "openapi-typescript/bin/cli.js", "openapi.json", "-o", "src/schema.d.ts");
            Assert.True(generated.ExitCode == 0, generated.ToString());
            Assert.Contains("\"/api/runs/{id}/events\"", await File.ReadAllTextAsync(Path.Combine(scratch, "src", "schema.d.ts")), StringComparison.Ordinal);

            var compiled = await NodeAsync(scratch, "typescript/bin/tsc", "-p", ".");
            Assert.True(compiled.ExitCode == 0, compiled.ToString());

            using var http = stack.CreateApiClient();
            var listed = await RunAsync(scratch, "node", [Path.Combine("dist", "list-pipelines.js")], new Dictionary<string, string>
            {
                ["DUCTUS_URL"] = http.BaseAddress!.ToString().TrimEnd('/'),
                ["DUCTUS_CLIENT_ID"] = ClientCredentials.BootstrapAdminClientId,
                ["DUCTUS_CLIENT_SECRET"] = stack.AdminKey,
            });
            Assert.True(listed.ExitCode == 0, listed.ToString());
            var result = JsonDocument.Parse(listed.Output.Trim()).RootElement;
            var pipelines = result.GetProperty("pipelines").EnumerateArray().ToList();
            Assert.Equal(pipelines.Count, result.GetProperty("count").GetInt32());
            var mine = Assert.Single(pipelines, p => p.GetProperty("name").GetString() == name);
            Assert.Equal(name.Replace('-', '_'), mine.GetProperty("dataset").GetString());
            Assert.Equal(1, mine.GetProperty("version").GetInt32());
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
