using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class TokenTests(StackFixture stack)
{
    private static readonly Uri SystemInfo = new("/api/system/info", UriKind.Relative);

    [Fact]
    public async Task The_admin_key_gets_a_short_lived_token_naming_client_roles_and_workspace()
    {
        using var client = stack.CreateApiClient();
        using var response = await client.RequestTokenAsync(ClientCredentials.BootstrapAdminClientId, stack.AdminKey);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());
        Assert.True(response.Headers.CacheControl?.NoStore, "token responses must not be cached");

        var claims = ApiAuth.ReadPayload(body.GetProperty("access_token").GetString()!);
        Assert.Equal("admin", claims.GetProperty("sub").GetString());
        Assert.Equal("00000000-0000-0000-0000-000000000001", claims.GetProperty("ws").GetString());
        Assert.Equal("default", claims.GetProperty("ws_name").GetString());
        var role = claims.GetProperty("role");
        Assert.Equal("admin", role.ValueKind == JsonValueKind.Array ? role[0].GetString() : role.GetString());
        Assert.Equal(900, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task A_key_with_several_roles_gets_one_role_claim_per_role()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Engineer, Roles.Analyst]);
        var claims = ApiAuth.ReadPayload(await stack.GetTokenAsync(key.ClientId, key.ClientSecret));

        Assert.Equal(key.ClientId, claims.GetProperty("sub").GetString());
        Assert.Equal([Roles.Analyst, Roles.Engineer], claims.GetProperty("role").EnumerateArray().Select(r => r.GetString()!).Order());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_token_endpoint_as_an_anonymous_form_post()
    {
        using var client = stack.CreateApiClient();
        var doc = await client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        var operation = doc.GetProperty("paths").GetProperty("/auth/token").GetProperty("post");
        var content = operation.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/x-www-form-urlencoded", out var form), content.GetRawText());
        var schema = form.GetProperty("schema");
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = doc.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        var fields = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["client_id", "client_secret", "grant_type"], fields);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_as_invalid_client()
    {
        using var client = stack.CreateApiClient();
        using var response = await client.RequestTokenAsync(ClientCredentials.BootstrapAdminClientId, stack.AdminKey + "x");
        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task An_unknown_client_is_refused_exactly_like_a_wrong_secret()
    {
        using var client = stack.CreateApiClient();
        using var response = await client.RequestTokenAsync("dk-nosuchclient", "whatever-secret");
        var body = await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Equal("Client authentication failed.", body.GetProperty("error_description").GetString());
    }

    [Theory]
    [InlineData("grant_type")]
    [InlineData("client_id")]
    [InlineData("client_secret")]
    public async Task A_missing_field_is_an_invalid_request_problem_naming_that_field(string missing)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientCredentials.BootstrapAdminClientId,
            ["client_secret"] = stack.AdminKey,
        };
        form.Remove(missing);
        using var client = stack.CreateApiClient();
        using var response = await client.RequestTokenAsync(form);

        var body = await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        var names = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Equal([missing], names);
    }

    [Fact]
    public async Task Another_grant_type_is_unsupported()
    {
        using var client = stack.CreateApiClient();
        using var response = await client.RequestTokenAsync(
        [
            new("grant_type", "password"),
            new("client_id", ClientCredentials.BootstrapAdminClientId),
            new("client_secret", stack.AdminKey),
        ]);
        await AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task Credentials_may_come_as_http_basic_instead_of_form_fields()
    {
        using var client = stack.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/auth/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientCredentials.BootstrapAdminClientId}:{stack.AdminKey}")));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_can_no_longer_get_a_token()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Analyst]);
        await stack.GetTokenAsync(key.ClientId, key.ClientSecret);

        using var revoke = await admin.DeleteAsync(new Uri($"/api/keys/{key.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using var client = stack.CreateApiClient();
        using var refused = await client.RequestTokenAsync(key.ClientId, key.ClientSecret);
        await AssertOAuthErrorAsync(refused, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task A_request_without_a_token_is_refused_with_a_401_problem()
    {
        using var client = stack.CreateApiClient();
        using var response = await client.GetAsync(SystemInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_token_whose_claims_were_edited_is_refused()
    {
        // An analyst rewrites its own token to claim admin; the signature no longer matches.
        using var analyst = await stack.CreateClientWithRolesAsync(Roles.Analyst);
        var parts = analyst.DefaultRequestHeaders.Authorization!.Parameter!.Split('.');
        var payload = ApiAuth.ReadPayload(string.Join('.', parts));
        var edited = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["sub"] = payload.GetProperty("sub").GetString(),
            ["ws"] = payload.GetProperty("ws").GetString(),
            ["role"] = "admin",
            ["iss"] = payload.GetProperty("iss").GetString(),
            ["aud"] = payload.GetProperty("aud").GetString(),
            ["exp"] = payload.GetProperty("exp").GetInt64(),
            ["nbf"] = payload.GetProperty("nbf").GetInt64(),
        });
        using var client = stack.CreateApiClient($"{parts[0]}.{Base64Url(Encoding.UTF8.GetBytes(edited))}.{parts[2]}");
        using var response = await client.GetAsync(SystemInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var payload = Base64Url(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            sub = "admin",
            ws = "00000000-0000-0000-0000-000000000001",
            role = "admin",
            iss = "ductus",
            aud = "ductus-api",
            nbf = now - 10,
            exp = now + 600,
        })));
        var signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes("not-the-signing-key-of-this-stack-0123456789"), Encoding.ASCII.GetBytes($"{header}.{payload}")));
        using var client = stack.CreateApiClient($"{header}.{payload}.{signature}");
        using var response = await client.GetAsync(SystemInfo);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<JsonElement> AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
        return body;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
