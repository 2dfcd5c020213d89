using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// Browser sign-in: an API key exchanged once for an HttpOnly session cookie, the cookie
/// accepted wherever a bearer token is, unsafe requests guarded by X-CSRF-Token, and sign-out
/// and key revocation ending the session in the catalog.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class SessionTests(StackFixture stack)
{
    private const string CookieName = "ductus_session";
    private const string CsrfHeader = "X-CSRF-Token";

    [Fact]
    public async Task Signing_in_sets_an_http_only_strict_cookie_and_the_session_names_the_key_and_its_roles()
    {
        var key = await CreateKeyAsync(Roles.Engineer);
        using var browser = CreateBrowser();
        using var response = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId = key.ClientId, clientSecret = key.ClientSecret });
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore, "session responses must not be cached");

        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        var attributes = setCookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain("secure", attributes); // the test stack speaks plain HTTP
        var cookie = setCookie.Split(';')[0][(CookieName.Length + 1)..];
        Assert.Equal(32, Convert.FromBase64String(cookie.Replace('-', '+').Replace('_', '/') + "=").Length);

        Assert.Equal(key.ClientId, body.GetProperty("clientId").GetString());
        Assert.Equal("default", body.GetProperty("workspace").GetString());
        Assert.Equal("00000000-0000-0000-0000-000000000001", body.GetProperty("workspaceId").GetString());
        Assert.Equal([Roles.Engineer], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
        Assert.InRange(body.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromHours(7.9), TimeSpan.FromHours(8));
        var csrf = body.GetProperty("csrfToken").GetString()!;
        Assert.True(csrf.Length >= 32, csrf);
        Assert.DoesNotContain(cookie, body.ToString(), StringComparison.Ordinal);

        // The page's first call on load: the same session, its anti-forgery token included.
        using var current = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", cookie));
        var again = await current.BodyAsync();
        Assert.True(current.StatusCode == HttpStatusCode.OK, again.ToString());
        Assert.Equal(key.ClientId, again.GetProperty("clientId").GetString());
        Assert.Equal([Roles.Engineer], again.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
        Assert.Equal(csrf, again.GetProperty("csrfToken").GetString());

        using var none = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", null));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_cookie_alone_reads_and_unsafe_requests_need_the_sessions_csrf_token()
    {
        var (browser, cookie, csrf) = await SignInAsync(Roles.Engineer);
        using var _ = browser;

        using var runs = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.True(runs.StatusCode == HttpStatusCode.OK, await runs.Content.ReadAsStringAsync());
        // EventSource sends the cookie and cannot add headers: the stream is a GET, so it needs none.
        using var events = await browser.SendAsync(Request(HttpMethod.Get, $"/api/runs/{Guid.NewGuid()}/events", cookie));
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);

        var spec = PipelineEndpointTests.SpecJson("session_" + Guid.NewGuid().ToString("N")[..8], "checked through a session");
        foreach (var presented in new string?[] { null, "not-the-token", csrf[..^1] })
        {
            using var forged = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/validate", cookie, presented, ApiJson.Json(spec)));
            var problem = await forged.BodyAsync();
            Assert.True(forged.StatusCode == HttpStatusCode.Forbidden, $"{presented}: {(int)forged.StatusCode} {problem}");
            Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("Missing or invalid X-CSRF-Token header", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var validated = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/validate", cookie, csrf, ApiJson.Json(spec)));
        var result = await validated.BodyAsync();
        Assert.True(validated.StatusCode == HttpStatusCode.OK, result.ToString());
        Assert.True(result.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task An_analyst_session_is_held_to_the_analyst_policy()
    {
        var (browser, cookie, csrf) = await SignInAsync(Roles.Analyst);
        using var _ = browser;

        using var read = await browser.SendAsync(Request(HttpMethod.Get, "/api/pipelines", cookie));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var trigger = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/anything/runs", cookie, csrf, ApiJson.Json("{}")));
        Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
        Assert.Equal("This client's roles do not allow this operation.", (await trigger.BodyAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Signing_out_ends_the_session_so_the_old_cookie_is_refused_everywhere()
    {
        var key = await CreateKeyAsync(Roles.Engineer);
        var (browser, cookie, csrf) = await SignInAsync(key);
        using var _ = browser;

        // Another site's page could make the browser send the cookie, but not the header.
        using var forged = await browser.SendAsync(Request(HttpMethod.Delete, "/auth/session", cookie));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using var stillIn = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        using var signOut = await browser.SendAsync(Request(HttpMethod.Delete, "/auth/session", cookie, csrf));
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        var cleared = Assert.Single(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);

        // Replaying the cookie someone kept: refused on reads, writes and the session route.
        using var read = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Contains("sign in again at POST /auth/session", (await read.BodyAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var write = await browser.SendAsync(Request(HttpMethod.Post, "/api/pipelines/validate", cookie, csrf, ApiJson.Json("{}")));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        using var current = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, current.StatusCode);
        await AssertNoSessionRowAsync(cookie);

        // Sign-in and sign-out are in the audit log, newest first.
        using var admin = await stack.CreateAdminClientAsync();
        var audit = await admin.GetFromJsonAsync<JsonElement>(ApiJson.Relative("/api/audit?limit=500"));
        var actions = audit.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString() == key.ClientId && e.GetProperty("actor").GetString() == key.ClientId)
            .Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["session.ended", "session.started"], actions);
    }

    [Fact]
    public async Task Revoking_the_key_ends_its_sessions_at_the_next_request()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Engineer]);
        var (browser, cookie, _) = await SignInAsync(key);
        using var __ = browser;
        using var before = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var revoke = await admin.DeleteAsync(ApiJson.Relative($"/api/keys/{key.Id}"));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using var after = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var current = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, current.StatusCode);
    }

    [Fact]
    public async Task An_expired_session_is_refused()
    {
        var key = await CreateKeyAsync(Roles.Analyst);
        var cookie = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using (var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString))
        await using (var insert = db.CreateCommand("""
            INSERT INTO api_sessions (id_hash, workspace_id, client_id, csrf_token, created_at, expires_at)
            VALUES ($1, '00000000-0000-0000-0000-000000000001', $2, $3, now() - interval '9 hours', now() - interval '1 hour')
            """))
        {
            insert.Parameters.AddWithValue(SHA256.HashData(Encoding.UTF8.GetBytes(cookie)));
            insert.Parameters.AddWithValue(key.ClientId);
            insert.Parameters.AddWithValue(new string('c', 43));
            await insert.ExecuteNonQueryAsync();
        }

        using var browser = CreateBrowser();
        using var read = await browser.SendAsync(Request(HttpMethod.Get, "/api/runs", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        using var current = await browser.SendAsync(Request(HttpMethod.Get, "/auth/session", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, current.StatusCode);
    }

    [Fact]
    public async Task A_bad_key_gets_one_401_a_missing_field_a_400_naming_it_and_guessing_a_429()
    {
        var key = await CreateKeyAsync(Roles.Analyst);
        using var browser = CreateBrowser();

        using var missing = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId = key.ClientId });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(["clientSecret"], await missing.ErrorNamesAsync());

        foreach (var (clientId, secret) in new[] { (key.ClientId, key.ClientSecret + "x"), ("no-such-client", key.ClientSecret) })
        {
            using var refused = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId, clientSecret = secret });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Client authentication failed: check the client id and secret.", (await refused.BodyAsync()).GetProperty("detail").GetString());
            Assert.False(refused.Headers.Contains("Set-Cookie"));
        }

        // The budget /auth/token has: 10 hashing attempts per client id and minute; one is spent above.
        for (var i = 0; i < 9; i++)
        {
            using var wrong = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId = key.ClientId, clientSecret = key.ClientSecret + i });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId = key.ClientId, clientSecret = key.ClientSecret });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_bearer_request_is_judged_by_its_token_alone_and_needs_no_csrf_token()
    {
        var (browser, cookie, _) = await SignInAsync(Roles.Engineer);
        using var __ = browser;
        var analystKey = await CreateKeyAsync(Roles.Analyst);
        var analystToken = await stack.GetTokenAsync(analystKey.ClientId, analystKey.ClientSecret);
        var engineerKey = await CreateKeyAsync(Roles.Engineer);
        var engineerToken = await stack.GetTokenAsync(engineerKey.ClientId, engineerKey.ClientSecret);
        var spec = PipelineEndpointTests.SpecJson("bearer_" + Guid.NewGuid().ToString("N")[..8], "checked with a token");

        using var plain = Request(HttpMethod.Post, "/api/pipelines/validate", null, null, ApiJson.Json(spec));
        plain.Headers.Authorization = new AuthenticationHeaderValue("Bearer", engineerToken);
        using var validated = await browser.SendAsync(plain);
        Assert.True(validated.StatusCode == HttpStatusCode.OK, await validated.Content.ReadAsStringAsync());

        // An engineer's cookie does not lift an analyst's token.
        using var mixed = Request(HttpMethod.Post, "/api/pipelines/validate", cookie, null, ApiJson.Json(spec));
        mixed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", analystToken);
        using var refused = await browser.SendAsync(mixed);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("This client's roles do not allow this operation.", (await refused.BodyAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Sessions_are_tenant_rows_found_across_workspaces_only_by_their_hash()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(db.DataSource).UpAsync();
        var a = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var b = Guid.Parse("0193a000-0000-7000-8000-00000000000b");
        byte[] hashA = SHA256.HashData("cookie-a"u8), hashB = SHA256.HashData("cookie-b"u8);
        await using (var seed = db.DataSource.CreateCommand($"""
            INSERT INTO workspaces (id, name) VALUES ('{b}', 'tenant-b');
            INSERT INTO api_clients (id, workspace_id, client_id, secret_hash, roles, name, created_by)
            VALUES (gen_random_uuid(), '{a}', 'key-a', 'x', ARRAY['engineer'], 'a', 'test'),
                   (gen_random_uuid(), '{b}', 'key-b', 'x', ARRAY['analyst'], 'b', 'test');
            """))
        {
            await seed.ExecuteNonQueryAsync();
        }

        await using (var sessions = db.DataSource.CreateCommand($"""
            INSERT INTO api_sessions (id_hash, workspace_id, client_id, csrf_token, created_at, expires_at)
            VALUES ($1, '{a}', 'key-a', '{new string('a', 43)}', now(), now() + interval '1 hour'),
                   ($2, '{b}', 'key-b', '{new string('b', 43)}', now(), now() + interval '1 hour')
            """))
        {
            sessions.Parameters.AddWithValue(hashA);
            sessions.Parameters.AddWithValue(hashB);
            await sessions.ExecuteNonQueryAsync();
        }

        await using var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString));
        await using var connection = await app.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await WorkspaceScope.ActForAsync(connection, tx, b, CancellationToken.None);
        await using (var visible = new NpgsqlCommand("SELECT string_agg(client_id, ',') FROM api_sessions", connection, tx))
        {
            Assert.Equal("key-b", await visible.ExecuteScalarAsync());
        }

        // Signing out acting for B cannot end A's session, even by its hash.
        await using (var delete = new NpgsqlCommand("DELETE FROM api_sessions WHERE id_hash = $1", connection, tx))
        {
            delete.Parameters.AddWithValue(hashA);
            Assert.Equal(0, await delete.ExecuteNonQueryAsync());
        }

        // The cookie lookup is the one read across workspaces: one session, by its hash.
        await using (var lookup = new NpgsqlCommand("SELECT workspace_name || ':' || array_to_string(roles, ',') FROM ductus_find_api_session($1)", connection, tx))
        {
            lookup.Parameters.AddWithValue(hashA);
            Assert.Equal("default:engineer", await lookup.ExecuteScalarAsync());
        }
    }

    /// <summary>
    /// A client of its own without a cookie jar: the stack's shared handlers keep cookies, and a
    /// session cookie left in them would authenticate other tests' anonymous requests.
    /// </summary>
    private HttpClient CreateBrowser() =>
        new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = stack.App.GetEndpoint(Resources.Api, "http") };

    private async Task<TestKey> CreateKeyAsync(string role)
    {
        using var admin = await stack.CreateAdminClientAsync();
        return await admin.CreateKeyAsync([role]);
    }

    private async Task<(HttpClient Browser, string Cookie, string Csrf)> SignInAsync(string role) => await SignInAsync(await CreateKeyAsync(role));

    private async Task<(HttpClient Browser, string Cookie, string Csrf)> SignInAsync(TestKey key)
    {
        var browser = CreateBrowser();
        using var response = await browser.PostAsJsonAsync(ApiJson.Relative("/auth/session"), new { clientId = key.ClientId, clientSecret = key.ClientSecret });
        var body = await response.BodyAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        return (browser, setCookie.Split(';')[0][(CookieName.Length + 1)..], body.GetProperty("csrfToken").GetString()!);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? cookie, string? csrf = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, ApiJson.Relative(path)) { Content = content };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{CookieName}={cookie}");
        }

        if (csrf is not null)
        {
            request.Headers.Add(CsrfHeader, csrf);
        }

        return request;
    }

    private async Task AssertNoSessionRowAsync(string cookie)
    {
        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var count = db.CreateCommand("SELECT count(*) FROM api_sessions WHERE id_hash = $1");
        count.Parameters.AddWithValue(SHA256.HashData(Encoding.UTF8.GetBytes(cookie)));
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
