using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// Browser sign-in through an external OpenID Connect issuer: the Api runs the authorization code
/// flow with PKCE against <see cref="FakeOidcIssuer"/> and lands the user in the same session
/// cookie an API-key sign-in sets, on the real PostgreSQL and Redis.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class OidcSignInTests(StackFixture stack, OidcApi oidc) : IClassFixture<OidcApi>, IAsyncLifetime
{
    private const string SessionCookie = "ductus_session";
    private const string BindingCookie = "ductus_oidc";
    private const string DefaultWorkspace = "00000000-0000-0000-0000-000000000001";

    private FakeOidcIssuer Issuer => oidc.Issuer;

    public async Task InitializeAsync()
    {
        await oidc.EnsureStartedAsync(stack);
        Issuer.Reset(User("alice@example.com", [Roles.Engineer, "not-a-ductus-role"]));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Signing_in_at_the_issuer_lands_in_a_session_cookie_that_works_like_a_key_session()
    {
        using var browser = Browser();
        using var login = await browser.GetAsync(ApiJson.Relative("/auth/oidc/login?returnUrl=%2Fdatasets%3Fq%3D1"));
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, await login.Content.ReadAsStringAsync());
        Assert.True(login.Headers.CacheControl?.NoStore);
        var authorize = login.Headers.Location!;
        Assert.Equal(Issuer.Issuer + "/authorize", authorize.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(FakeOidcIssuer.ClientId, query["client_id"]);
        Assert.Equal(new Uri(oidc.Api.BaseUri, "/auth/oidc/callback").AbsoluteUri, query["redirect_uri"]);
        Assert.Contains("openid", query["scope"]!.Split(' '));
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"]!.Length);
        Assert.NotEqual(query["state"], query["nonce"]);
        Assert.DoesNotContain(Issuer.ClientSecret, authorize.AbsoluteUri, StringComparison.Ordinal);

        var binding = SetCookie(login, BindingCookie);
        var attributes = Attributes(binding.Header);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Contains("path=/auth/oidc/callback", attributes);

        using var callback = await FollowToCallbackAsync(browser, authorize, binding.Value);
        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, await callback.Content.ReadAsStringAsync());
        Assert.Equal("/datasets?q=1", callback.Headers.Location!.OriginalString);
        var session = SetCookie(callback, SessionCookie);
        var sessionAttributes = Attributes(session.Header);
        Assert.Contains("httponly", sessionAttributes);
        Assert.Contains("samesite=strict", sessionAttributes);

        // The issuer saw the verifier of the challenge it was sent, and the client's secret.
        var (form, verifierMatched) = Assert.Single(Issuer.TokenRequests);
        Assert.True(verifierMatched);
        Assert.Equal(query["code_challenge"], Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"]))));

        using var current = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", session.Value));
        var body = await current.BodyAsync();
        Assert.True(current.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("alice@example.com", body.GetProperty("clientId").GetString());
        Assert.Equal("default", body.GetProperty("workspace").GetString());
        Assert.Equal(DefaultWorkspace, body.GetProperty("workspaceId").GetString());
        // Only Ductus's own roles are kept from what the issuer sent.
        Assert.Equal([Roles.Engineer], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
        var csrf = body.GetProperty("csrfToken").GetString()!;

        using var runs = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", session.Value));
        Assert.True(runs.StatusCode == HttpStatusCode.OK, await runs.Content.ReadAsStringAsync());

        var spec = PipelineEndpointTests.SpecJson("oidc_" + Guid.NewGuid().ToString("N")[..8], "checked through an OIDC session");
        using var forged = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/validate", session.Value, null, ApiJson.Json(spec)));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.StartsWith("Missing or invalid X-CSRF-Token header", (await forged.BodyAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var validated = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/validate", session.Value, csrf, ApiJson.Json(spec)));
        Assert.True(validated.StatusCode == HttpStatusCode.OK, await validated.Content.ReadAsStringAsync());

        // An engineer, not an admin: the role policies hold for the issuer's users too.
        using var keys = await browser.SendAsync(Request(HttpMethod.Get, "/api/keys", session.Value));
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);

        Assert.Equal("oidc", await AuditMethodAsync("session.started", "alice@example.com"));

        using var signOut = await browser.SendAsync(Request(HttpMethod.Delete, "/auth/session", session.Value, csrf));
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        using var after = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", session.Value));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(1L, await AuditCountAsync("session.ended", "alice@example.com"));
    }

    [Fact]
    public async Task A_state_is_good_once_and_only_in_the_browser_that_started_the_sign_in()
    {
        using var browser = Browser();
        var (authorize, binding) = await StartAsync(browser, "/runs");
        using var issuer = IssuerClient();
        using var approved = await issuer.GetAsync(authorize);
        var callback = approved.Headers.Location!;

        // Another browser (no binding cookie, or another one's) cannot complete it.
        using var elsewhere = await browser.SendAsync(Callback(callback, null));
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.Contains("another browser", (await elsewhere.BodyAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(CookieNames(elsewhere), n => n == SessionCookie);

        // The failed attempt used the state up: even the right browser must start again.
        using var replayed = await browser.SendAsync(Callback(callback, binding));
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("already used", (await replayed.BodyAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (again, againBinding) = await StartAsync(browser, "/runs");
        using var approvedAgain = await issuer.GetAsync(again);
        using var signedIn = await browser.SendAsync(Callback(approvedAgain.Headers.Location!, againBinding));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains(SessionCookie, CookieNames(signedIn));
        using var replay = await browser.SendAsync(Callback(approvedAgain.Headers.Location!, againBinding));
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.DoesNotContain(SessionCookie, CookieNames(replay));

        // A state the Api never issued.
        var forged = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        using var unknown = await browser.SendAsync(Callback(new Uri(oidc.Api.BaseUri, $"/auth/oidc/callback?code=abc&state={forged}"), againBinding));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        using var missing = await browser.SendAsync(Callback(new Uri(oidc.Api.BaseUri, "/auth/oidc/callback?code=abc"), againBinding));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(["state"], await missing.ErrorNamesAsync());
    }

    [Theory]
    [InlineData(IssuerFault.WrongChallenge, HttpStatusCode.BadRequest, "'invalid_grant': PKCE verification failed")]
    [InlineData(IssuerFault.WrongNonce, HttpStatusCode.Unauthorized, "not issued for this sign-in (nonce)")]
    [InlineData(IssuerFault.WrongAudience, HttpStatusCode.Unauthorized, "issued to another client (aud)")]
    [InlineData(IssuerFault.UnpublishedKey, HttpStatusCode.Unauthorized, "signature does not match")]
    [InlineData(IssuerFault.AccessDenied, HttpStatusCode.Forbidden, "answered 'access_denied': The user <b>declined</b> the request.")]
    public async Task A_sign_in_the_issuer_refused_or_answered_wrongly_opens_no_session(IssuerFault fault, HttpStatusCode status, string reason)
    {
        Issuer.Fault = fault;
        var startedBefore = await AuditCountAsync("session.started", "alice@example.com");
        using var browser = Browser();
        var (authorize, binding) = await StartAsync(browser, "/runs");
        using var callback = await FollowToCallbackAsync(browser, authorize, binding);
        var body = await callback.BodyAsync();
        Assert.True(callback.StatusCode == status, body.ToString());
        Assert.Contains(reason, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SessionCookie, CookieNames(callback));
        Assert.Equal(startedBefore, await AuditCountAsync("session.started", "alice@example.com"));
    }

    [Fact]
    public async Task A_person_sees_the_reason_on_a_page_of_its_own()
    {
        Issuer.Fault = IssuerFault.AccessDenied;
        using var browser = Browser();
        var (authorize, binding) = await StartAsync(browser, "/runs");
        using var issuer = IssuerClient();
        using var approved = await issuer.GetAsync(authorize);
        using var request = Callback(approved.Headers.Location!, binding);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        using var page = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("The identity provider did not sign you in", html, StringComparison.Ordinal);
        // The issuer's words are shown as text, never as markup.
        Assert.Contains("The user &lt;b&gt;declined&lt;/b&gt; the request.", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/login\"", html, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> UsersWithoutAccess => new()
    {
        { """{"role":"superuser","ws":"00000000-0000-0000-0000-000000000001"}""", "gave no Ductus role in the 'role' claim (it had: superuser" },
        { """{"ws":"00000000-0000-0000-0000-000000000001"}""", "gave no Ductus role in the 'role' claim (it had: none" },
        { """{"role":"analyst"}""", "gave no workspace id in the 'ws' claim." },
        { """{"role":"analyst","ws":"default"}""", "('default' is not a workspace id)" },
        { """{"role":"analyst","ws":"0193a000-0000-7000-8000-0000000000ff"}""", "which does not exist here" },
    };

    [Theory]
    [MemberData(nameof(UsersWithoutAccess))]
    public async Task A_user_without_a_ductus_role_or_workspace_is_refused_with_the_reason(string claims, string reason)
    {
        var user = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(claims)!
            .ToDictionary(c => c.Key, c => (object)c.Value.GetString()!);
        user["sub"] = "bob@example.com";
        Issuer.NextUser = user;
        using var browser = Browser();
        var (authorize, binding) = await StartAsync(browser, "/runs");
        using var callback = await FollowToCallbackAsync(browser, authorize, binding);
        var body = await callback.BodyAsync();
        Assert.True(callback.StatusCode == HttpStatusCode.Forbidden, body.ToString());
        Assert.Contains(reason, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SessionCookie, CookieNames(callback));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/path")]
    [InlineData("/\\evil.example")]
    [InlineData("evil.example")]
    [InlineData("/%09/evil.example")]
    public async Task A_return_url_off_this_site_is_refused_before_anything_starts(string returnUrl)
    {
        using var browser = Browser();
        using var login = await browser.GetAsync(ApiJson.Relative("/auth/oidc/login?returnUrl=" + Uri.EscapeDataString(Uri.UnescapeDataString(returnUrl))));
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Equal(["returnUrl"], await login.ErrorNamesAsync());
        Assert.Null(login.Headers.Location);
        Assert.Empty(Issuer.Authorizations);
    }

    [Fact]
    public async Task Without_a_return_url_the_user_lands_on_the_home_page()
    {
        using var browser = Browser();
        using var login = await browser.GetAsync(ApiJson.Relative("/auth/oidc/login"));
        using var callback = await FollowToCallbackAsync(browser, login.Headers.Location!, SetCookie(login, BindingCookie).Value);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/", callback.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_sign_in_page_learns_which_methods_this_api_offers()
    {
        using var browser = Browser();
        var providers = await (await browser.GetAsync(ApiJson.Relative("/auth/session/providers"))).BodyAsync();
        Assert.False(providers.GetProperty("apiKey").GetBoolean());
        Assert.Equal("Test Issuer", providers.GetProperty("oidc").GetProperty("name").GetString());
        Assert.Equal("/auth/oidc/login", providers.GetProperty("oidc").GetProperty("loginUrl").GetString());

        // The stack's Api has no issuer: keys only, and the OIDC routes say so.
        using var keysOnly = stack.CreateApiClient();
        var local = await (await keysOnly.GetAsync(ApiJson.Relative("/auth/session/providers"))).BodyAsync();
        Assert.True(local.GetProperty("apiKey").GetBoolean());
        Assert.Equal(JsonValueKind.Null, local.GetProperty("oidc").ValueKind);
        using var login = await keysOnly.GetAsync(ApiJson.Relative("/auth/oidc/login?returnUrl=/runs"));
        Assert.Equal(HttpStatusCode.NotFound, login.StatusCode);
        Assert.Contains("no external issuer", (await login.BodyAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, object> User(string subject, string[] roles) => new()
    {
        ["sub"] = subject,
        ["role"] = roles,
        ["ws"] = DefaultWorkspace,
    };

    /// <summary>A browser without a cookie jar or redirects, so each hop and cookie is the test's to see.</summary>
    private HttpClient Browser() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = oidc.Api.BaseUri };

    private static HttpClient IssuerClient() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });

    private static async Task<(Uri Authorize, string Binding)> StartAsync(HttpClient browser, string returnUrl)
    {
        using var login = await browser.GetAsync(ApiJson.Relative("/auth/oidc/login?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, await login.Content.ReadAsStringAsync());
        return (login.Headers.Location!, SetCookie(login, BindingCookie).Value);
    }

    /// <summary>The issuer approves at once; the browser follows its redirect back to the Api with the binding cookie.</summary>
    private static async Task<HttpResponseMessage> FollowToCallbackAsync(HttpClient browser, Uri authorize, string binding)
    {
        using var issuer = IssuerClient();
        using var approved = await issuer.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, approved.StatusCode);
        using var request = Callback(approved.Headers.Location!, binding);
        return await browser.SendAsync(request);
    }

    private static HttpRequestMessage Callback(Uri callback, string? binding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, callback);
        if (binding is not null)
        {
            request.Headers.Add("Cookie", $"{BindingCookie}={binding}");
        }

        return request;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string cookie, string? csrf = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, ApiJson.Relative(path)) { Content = content };
        request.Headers.Add("Cookie", $"{SessionCookie}={cookie}");
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        return request;
    }

    private static (string Value, string Header) SetCookie(HttpResponseMessage response, string name)
    {
        var header = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(name + "=", StringComparison.Ordinal));
        return (header.Split(';')[0][(name.Length + 1)..], header);
    }

    private static List<string> CookieNames(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Where(v => !v.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)).Select(v => v.Split('=')[0]).ToList()
            : [];

    private static List<string> Attributes(string setCookie) => setCookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();

    private async Task<string?> AuditMethodAsync(string action, string actor)
    {
        await using var command = oidc.Database.DataSource.CreateCommand(
            "SELECT details->'after'->>'method' FROM audit_log WHERE action = $1 AND actor = $2 AND target = $2 ORDER BY id DESC LIMIT 1");
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(actor);
        return await command.ExecuteScalarAsync() as string;
    }

    private async Task<long> AuditCountAsync(string action, string actor)
    {
        await using var command = oidc.Database.DataSource.CreateCommand("SELECT count(*) FROM audit_log WHERE action = $1 AND actor = $2");
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(actor);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
