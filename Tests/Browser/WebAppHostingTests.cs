using System.Net;
using System.Text.RegularExpressions;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Browser;

/// <summary>How the Api serves the web app: the shell for the app's routes, hashed assets cached for good, the API's own paths untouched.</summary>
[Collection(StackDefinition.Name)]
public sealed partial class WebAppHostingTests(StackFixture stack)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/runs/01a2480a-d867-72c8-870a-a76f04e75b25/rejects")]
    [InlineData("/datasets/flights")]
    public async Task The_apps_routes_get_the_shell_with_a_strict_content_security_policy(string path)
    {
        using var client = stack.CreateApiClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", body, StringComparison.Ordinal);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(' ', response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task The_apps_hashed_assets_are_served_to_anyone_and_cached_for_good()
    {
        using var client = stack.CreateApiClient();
        var shell = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var script = AssetPath().Match(shell);
        Assert.True(script.Success, shell);
        using var response = await client.GetAsync(new Uri(script.Value, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 10_000);
    }

    [Theory]
    [InlineData("/api/no-such-thing", HttpStatusCode.Unauthorized)]
    [InlineData("/api/runs", HttpStatusCode.Unauthorized)]
    [InlineData("/assets/no-such-file.js", HttpStatusCode.Unauthorized)]
    public async Task The_apis_own_paths_and_missing_files_never_get_the_app(string path, HttpStatusCode expected)
    {
        using var client = stack.CreateApiClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("/assets/index-[A-Za-z0-9_-]+\\.js")]
    private static partial Regex AssetPath();
}
