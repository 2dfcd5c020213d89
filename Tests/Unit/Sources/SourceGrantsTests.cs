using System.Net;
using System.Net.Sockets;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines.Net;
using Ductus.Pipelines.Sources;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Ductus.Tests.Unit.Sources;

/// <summary>Secrets and connections belong to the workspaces granted them, and secrets go only to the hosts they are bound to.</summary>
public sealed class SourceGrantsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ductus-grants-").FullName;
    private readonly string _out = Path.Combine(Path.GetTempPath(), $"ductus-grants-{Guid.NewGuid():N}.ndjson");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        File.Delete(_out);
    }

    private static SourceGrants Grants(Dictionary<string, string?> settings)
    {
        var grants = new SourceGrants();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(SourceGrants.Section).Bind(grants);
        return grants;
    }

    private static readonly SourceGrants GitHubForTeam = Grants(new()
    {
        ["Ductus:Grants:Secrets:github:Workspaces:0"] = "default",
        ["Ductus:Grants:Secrets:github:Workspaces:1"] = "team",
        ["Ductus:Grants:Secrets:github:Hosts:0"] = "api.github.com",
        ["Ductus:Grants:Secrets:trace:Workspaces:0"] = "team",
        ["Ductus:Grants:Secrets:trace:Hosts:0"] = "api.github.com",
        ["Ductus:Grants:Connections:shop:Workspaces:0"] = "team",
    });

    private static PipelineSpec Http(string url, string auth = "bearer_from: \"Ductus:Secrets:github\"") => Parse($$"""
        name: issues
        source:
          kind: http
          url: {{url}}
          headers: { X-Trace: "${secret:trace}" }
          auth: { {{auth}} }
        target: { dataset: issues }
        """);

    private static PipelineSpec Postgres(string connection) => Parse($$"""
        name: orders
        source: { kind: postgres, connection: {{connection}}, query: SELECT 1 AS id }
        target: { dataset: orders }
        """);

    private static PipelineSpec Parse(string yaml)
    {
        var parsed = SpecParser.ParseYaml(yaml);
        Assert.Empty(parsed.Errors);
        return parsed.Spec!;
    }

    private List<string> Errors(SourceGrants grants, PipelineSpec spec, string workspace) =>
        [.. new SourceAccess([_root], grants).Validate(spec, workspace).Select(e => e.ToString())];

    [Fact]
    public void A_secret_not_granted_to_the_workspace_is_refused_naming_it_at_the_key_that_names_it()
    {
        var errors = Errors(new SourceGrants(), Http("https://api.github.com/issues"), "team");

        Assert.Equal(
            [
                "source.auth.bearer_from: secret 'github' is not granted to workspace 'team' (an operator grants it in Ductus:Grants:Secrets:github:Workspaces)",
                "source.headers.X-Trace: secret 'trace' is not granted to workspace 'team' (an operator grants it in Ductus:Grants:Secrets:trace:Workspaces)",
            ],
            errors);
    }

    [Fact]
    public void Ungranted_secrets_and_connections_belong_to_the_default_workspace_alone()
    {
        var grants = new SourceGrants();

        Assert.True(grants.MayUseSecret("default", "github"));
        Assert.False(grants.MayUseSecret("team", "github"));
        Assert.True(grants.MayUseConnection("default", "shop"));
        Assert.False(grants.MayUseConnection("team", "shop"));
        // Named grants replace the default: default must be listed to keep it.
        Assert.False(GitHubForTeam.MayUseSecret("default", "trace"));
        Assert.True(GitHubForTeam.MayUseSecret("team", "trace"));
        Assert.False(GitHubForTeam.MayUseConnection("default", "shop"));
    }

    [Fact]
    public void A_granted_secret_passes_only_for_the_hosts_it_is_bound_to()
    {
        Assert.Empty(Errors(GitHubForTeam, Http("https://api.github.com/issues"), "team"));
        Assert.Equal(
            [
                "source.auth.bearer_from: secret 'github' may be sent only to api.github.com, not to collector.example.net",
                "source.headers.X-Trace: secret 'trace' may be sent only to api.github.com, not to collector.example.net",
            ],
            Errors(GitHubForTeam, Http("https://collector.example.net/issues"), "team"));
        Assert.Contains(
            "source.auth.value_from: secret 'github' is bound to no host (an operator lists the hosts it may be sent to in Ductus:Grants:Secrets:github:Hosts)",
            Errors(new SourceGrants(), Http("https://api.github.com/issues", "header: X-Key, value_from: \"Ductus:Secrets:github\""), "default"));
    }

    [Fact]
    public void A_connection_not_granted_to_the_workspace_is_refused_naming_it()
    {
        Assert.Equal(
            ["source.connection: connection 'warehouse' is not granted to workspace 'team' (an operator grants it in Ductus:Grants:Connections:warehouse:Workspaces)"],
            Errors(GitHubForTeam, Postgres("warehouse"), "team"));
        Assert.Empty(Errors(GitHubForTeam, Postgres("shop"), "team"));
        Assert.Empty(Errors(new SourceGrants(), Postgres("warehouse"), "default"));
    }

    [Fact]
    public void The_grants_bind_from_configuration_and_bad_entries_stop_the_service_naming_the_key()
    {
        var grants = Grants(new()
        {
            ["Ductus:Grants:Secrets:github:Hosts:0"] = "https://api.github.com",
            ["Ductus:Grants:Connections:shop:Workspaces:0"] = " ",
            ["Ductus:Grants:Roots:team:0"] = "relative/folder",
        });

        var result = new SourceGrantsValidator().Validate(null, grants);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Ductus:Grants:Secrets:github:Hosts must list host names like api.github.com, not 'https://api.github.com'.",
                "Ductus:Grants:Connections:shop:Workspaces holds an empty entry; list workspace names only.",
                "Ductus:Grants:Roots:team must list absolute folders, not 'relative/folder'.",
            ],
            result.Failures);
        Assert.True(new SourceGrantsValidator().Validate(null, GitHubForTeam).Succeeded);
        Assert.Equal(["api.github.com"], GitHubForTeam.HostsOf("GitHub"));
    }

    /// <summary>A listener nothing should reach, reached by the name localhost (another host than 127.0.0.1 to a secret).</summary>
    private static TcpListener Elsewhere(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    /// <summary>Reads <paramref name="url"/> sending the secret <c>key</c> in X-Api-Key, bound to 127.0.0.1.</summary>
    private async Task<HttpExtractResult> ExtractWithKeyAsync(Uri url, Pagination pagination)
    {
        using var http = new HttpClient(GuardedHttp.CreateHandler(new EgressPolicy { AllowPrivateNetworks = true }));
        var source = new HttpApiSource(url, string.Empty, new Dictionary<string, string> { ["X-Api-Key"] = "${secret:key}" },
            pagination, CredentialHosts: new HashSet<string> { "127.0.0.1" });
        return await new HttpApiExtractor(http, TimeProvider.System, _ => "s3cret").ExtractAsync(source, _out, CancellationToken.None);
    }

    [Fact]
    public async Task A_next_page_on_another_host_is_not_requested_with_the_secret()
    {
        using var elsewhere = Elsewhere(out var port);
        await using var server = new TestHttpServer(c =>
        {
            c.Response.AddHeader("Link", $"<http://localhost:{port}/steal>; rel=\"next\"");
            return TestHttpServer.WriteAsync(c, "[{\"id\": 1}]");
        });
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ExtractWithKeyAsync(server.BaseUri, new Pagination { Kind = PaginationKind.LinkHeader }));

        Assert.Equal("refused to send the source's secrets to localhost: they may be sent only to 127.0.0.1; nothing was requested from it", error.Message);
        Assert.Single(server.Requests);
        Assert.False(elsewhere.Pending(), "the next page's host was contacted");
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_not_followed_with_the_secret()
    {
        using var elsewhere = Elsewhere(out var port);
        await using var server = new TestHttpServer(c =>
        {
            c.Response.StatusCode = 302;
            c.Response.RedirectLocation = $"http://localhost:{port}/steal";
            return Task.CompletedTask;
        });
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ExtractWithKeyAsync(server.BaseUri, new Pagination()));

        Assert.Equal("127.0.0.1 redirected to localhost, a host the request's secrets are not bound to; the redirect was not followed", error.Message);
        Assert.False(elsewhere.Pending(), "the redirect's host was contacted");
    }

    [Fact]
    public async Task A_redirect_within_the_bound_hosts_is_followed_with_the_secret()
    {
        string? key = null;
        await using var server = new TestHttpServer(async c =>
        {
            if (c.Request.Url!.AbsolutePath == "/start")
            {
                c.Response.StatusCode = 307;
                c.Response.RedirectLocation = "/moved";
                return;
            }

            key = c.Request.Headers["X-Api-Key"];
            await TestHttpServer.WriteAsync(c, "[{\"id\": 1}]");
        });
        var result = await ExtractWithKeyAsync(new Uri(server.BaseUri, "start"), new Pagination());

        Assert.Equal(1, result.Records);
        Assert.Equal(["/start", "/moved"], server.Requests);
        Assert.Equal("s3cret", key);
    }
}
