using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;

namespace Ductus.Tests.Infrastructure;

/// <summary>A key created through <c>POST /api/keys</c>.</summary>
public sealed record TestKey(Guid Id, string ClientId, string ClientSecret);

/// <summary>Getting tokens and keys the way a real client does: through the Api.</summary>
public static class ApiAuth
{
    // One admin token per stack, reused while fresh: every test fetching its own would spend the
    // per-IP budget of the anonymous token endpoint that all tests share.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StackFixture, Tuple<DateTimeOffset, string>> AdminTokens = [];

    public static Task<HttpResponseMessage> RequestTokenAsync(this HttpClient client, IEnumerable<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PostAsync(new Uri("/auth/token", UriKind.Relative), new FormUrlEncodedContent(form));
    }

    public static Task<HttpResponseMessage> RequestTokenAsync(this HttpClient client, string clientId, string secret) =>
        client.RequestTokenAsync(
        [
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("client_secret", secret),
        ]);

    public static async Task<string> GetTokenAsync(this StackFixture stack, string clientId, string secret)
    {
        ArgumentNullException.ThrowIfNull(stack);
        using var client = stack.CreateApiClient();
        return await client.GetTokenAsync(clientId, secret);
    }

    /// <summary>A bearer token from the Api <paramref name="client"/> points at.</summary>
    public static async Task<string> GetTokenAsync(this HttpClient client, string clientId, string secret)
    {
        using var response = await client.SendPastAnonymousLimitAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri("/auth/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("client_id", clientId), new("client_secret", secret)]),
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request for {clientId} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// Sends a request made by <paramref name="build"/>, waiting out a 429 of the per-IP budget
    /// for requests without a token. All tests reach the stack from one address and so share that
    /// budget; a test of who may call what must not fail because others spent it.
    /// </summary>
    public static async Task<HttpResponseMessage> SendPastAnonymousLimitAsync(this HttpClient client, Func<HttpRequestMessage> build)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(build);
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            var response = await client.SendAsync(request);
            if (response.StatusCode != System.Net.HttpStatusCode.TooManyRequests || attempt == 3)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
            response.Dispose();
            await Task.Delay(wait + TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>An Api client carrying a bearer token.</summary>
    public static HttpClient CreateApiClient(this StackFixture stack, string token)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var client = stack.CreateApiClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>An Api client authenticated as the bootstrap admin of the default workspace.</summary>
    public static async Task<HttpClient> CreateAdminClientAsync(this StackFixture stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (!AdminTokens.TryGetValue(stack, out var cached) || cached.Item1 < DateTimeOffset.UtcNow.AddMinutes(-5))
        {
            cached = Tuple.Create(DateTimeOffset.UtcNow, await stack.GetTokenAsync(ClientCredentials.BootstrapAdminClientId, stack.AdminKey));
            AdminTokens.AddOrUpdate(stack, cached);
        }

        return stack.CreateApiClient(cached.Item2);
    }

    public static async Task<TestKey> CreateKeyAsync(this HttpClient admin, IReadOnlyList<string> roles, int? rateLimit = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var response = await admin.PostAsJsonAsync(new Uri("/api/keys", UriKind.Relative), new
        {
            name = name ?? "test " + string.Join('+', roles),
            roles,
            rateLimit,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /api/keys answered {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        return new TestKey(json.GetProperty("id").GetGuid(), json.GetProperty("clientId").GetString()!, json.GetProperty("clientSecret").GetString()!);
    }

    /// <summary>A client holding a fresh key with exactly <paramref name="roles"/>.</summary>
    public static async Task<HttpClient> CreateClientWithRolesAsync(this StackFixture stack, params string[] roles)
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync(roles);
        return stack.CreateApiClient(await stack.GetTokenAsync(key.ClientId, key.ClientSecret));
    }

    /// <summary>The claims of a JWT, read without checking it (the Api is what checks it).</summary>
    public static JsonElement ReadPayload(string jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement;
    }
}
