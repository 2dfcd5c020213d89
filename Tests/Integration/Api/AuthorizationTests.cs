using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class AuthorizationTests(StackFixture stack)
{
    /// <summary>
    /// Routes a request without a token may reach. Everything else must name a role policy.
    /// <c>/metrics</c> is anonymous to the Api's authorization but guards itself (scrape token or
    /// allowed network: MetricsTests).
    /// </summary>
    private static readonly string[] PublicRoutes =
        ["/auth/token", "/auth/session", "/auth/session/providers", "/auth/oidc/login", "/auth/oidc/callback", "/health", "/alive", "/metrics", "/docs"];

    /// <summary>
    /// Routes a library maps on its own, without metadata we could set: they must fall under the
    /// Api's admin-only fallback policy instead, and are probed without a token below.
    /// </summary>
    private static readonly string[] LibraryRoutes = ["/_test_url_cache_"];

    /// <summary>Every admin-only operation, with a body that would pass validation.</summary>
    public static TheoryData<string, string> AdminOperations => new()
    {
        { "GET", "/api/workspaces" },
        { "POST", "/api/workspaces" },
        { "GET", "/api/keys" },
        { "POST", "/api/keys" },
        { "DELETE", "/api/keys/{id}" },
        { "PUT", "/api/keys/{id}/grants" },
        { "GET", "/api/system/info" },
        { "GET", "/api/system/endpoints" },
        { "GET", "/api/audit" },
        { "GET", "/api/alerts/deliveries" },
    };

    [Theory]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Analyst)]
    [InlineData(Roles.Ingest)]
    public async Task Roles_other_than_admin_are_forbidden_every_admin_operation(string role)
    {
        using var client = await stack.CreateClientWithRolesAsync(role);
        foreach (var (method, route) in AdminOperations.Select(row => ((string)row[0], (string)row[1])))
        {
            using var response = await client.SendAsync(Build(method, route));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role}: {method} {route} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Admin_operations_refuse_a_request_without_a_token()
    {
        using var client = stack.CreateApiClient();
        foreach (var (method, route) in AdminOperations.Select(row => ((string)row[0], (string)row[1])))
        {
            using var response = await client.SendPastAnonymousLimitAsync(() => Build(method, route));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {route} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_route_except_the_public_ones_requires_a_role_policy()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var routes = (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/system/endpoints", UriKind.Relative)))
            .GetProperty("items").EnumerateArray().ToList();

        // The list comes from ASP.NET Core's endpoint table, so it must hold what we know exists.
        var names = routes.Select(r => r.GetProperty("route").GetString()!).ToList();
        Assert.Contains("/auth/token", names);
        Assert.Contains("/health", names);
        Assert.Contains("/api/keys", names);

        var open = new List<string>();
        foreach (var route in routes)
        {
            var name = route.GetProperty("route").GetString()!;
            // The web app's shell (index.html for the app's own routes) is public; it holds no data.
            if (PublicRoutes.Contains(name) || name.StartsWith("/openapi/", StringComparison.Ordinal)
                || Ductus.Api.Web.WebAppSetup.ShellRoutes.Contains(name) || Ductus.Api.Web.WebAppSetup.ShellRoutes.Contains(name.TrimStart('/')))
            {
                continue;
            }

            // FastEndpoints adds a per-endpoint policy of its own beside the declared ones.
            var policies = route.GetProperty("policies").EnumerateArray().Select(p => p.GetString()!)
                .Where(p => !p.StartsWith("epPolicy:", StringComparison.Ordinal)).ToList();
            if (LibraryRoutes.Contains(name) && policies.Count == 0 && !route.GetProperty("anonymous").GetBoolean())
            {
                using var anonymous = stack.CreateApiClient();
                using var probe = await anonymous.GetAsync(new Uri(name, UriKind.Relative));
                Assert.True(probe.StatusCode == HttpStatusCode.Unauthorized, $"{name} without a token answered {(int)probe.StatusCode}");
                continue;
            }

            if (route.GetProperty("anonymous").GetBoolean() || policies.Count == 0 || !policies.All(Roles.IsKnown))
            {
                open.Add($"{name} (anonymous: {route.GetProperty("anonymous")}, policies: [{string.Join(", ", policies)}])");
            }
        }

        Assert.True(open.Count == 0, "Routes without a role policy: " + string.Join("; ", open));
    }

    [Fact]
    public async Task Every_documented_operation_refuses_a_request_without_a_token()
    {
        using var client = stack.CreateApiClient();
        var paths = (await client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative))).GetProperty("paths");
        var checkedOperations = 0;
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = operation.Name.ToUpperInvariant();
                if (PublicRoutes.Contains(path.Name) || method is "PARAMETERS")
                {
                    continue;
                }

                // Operations other than the token endpoint must also say in the document that they need a token.
                // (An empty requirement, {}, is how the document marks anonymous operations.)
                Assert.True(operation.Value.TryGetProperty("security", out var security) && security.EnumerateArray().Any(r => r.EnumerateObject().Any()),
                    $"{method} {path.Name} declares no security requirement in the OpenAPI document");
                using var response = await client.SendPastAnonymousLimitAsync(() => Build(method, path.Name));
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path.Name} without a token answered {(int)response.StatusCode}");
                checkedOperations++;
            }
        }

        Assert.True(checkedOperations >= 8, $"only {checkedOperations} operations found in the document");
        // The token endpoint says it is anonymous on purpose, with one empty requirement.
        var anonymous = Assert.Single(paths.GetProperty("/auth/token").GetProperty("post").GetProperty("security").EnumerateArray());
        Assert.Empty(anonymous.EnumerateObject());
    }

    private static HttpRequestMessage Build(string method, string route)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(
            System.Text.RegularExpressions.Regex.Replace(route, "{[^}]+}", Guid.NewGuid().ToString()), UriKind.Relative));
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(new { name = "never-created", roles = new[] { Roles.Analyst } });
        }

        return request;
    }
}
