using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// Tokens for a role, or for the admin of a second workspace, made once per stack and shared by
/// the endpoint tests: minting a key and a token per test would spend the anonymous token
/// endpoint's per-IP budget that every test shares. Tokens (15 minutes by default) outlive a test run.
/// </summary>
public static class SharedTokens
{
    private static readonly ConcurrentDictionary<(StackFixture, string), Lazy<Task<string>>> Tokens = new();

    /// <summary>A client whose key holds exactly <paramref name="role"/> in the default workspace.</summary>
    public static async Task<HttpClient> ClientForRoleAsync(this StackFixture stack, string role)
    {
        var token = await Tokens.GetOrAdd((stack, "role:" + role), key => new Lazy<Task<string>>(async () =>
        {
            using var admin = await key.Item1.CreateAdminClientAsync();
            var created = await admin.CreateKeyAsync([role]);
            return await key.Item1.GetTokenAsync(created.ClientId, created.ClientSecret);
        })).Value;
        return stack.CreateApiClient(token);
    }

    /// <summary>The admin of another workspace, created for the test run: it must see nothing of the default one.</summary>
    public static async Task<HttpClient> ClientOfOtherWorkspaceAsync(this StackFixture stack)
    {
        var token = await Tokens.GetOrAdd((stack, "other-workspace"), key => new Lazy<Task<string>>(async () =>
        {
            using var admin = await key.Item1.CreateAdminClientAsync();
            using var created = await admin.PostAsJsonAsync(new Uri("/api/workspaces", UriKind.Relative),
                new { name = "other-" + Guid.NewGuid().ToString("N")[..10] });
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.IsSuccessStatusCode, $"POST /api/workspaces answered {(int)created.StatusCode}: {body}");
            var adminKey = JsonDocument.Parse(body).RootElement.GetProperty("adminKey");
            return await key.Item1.GetTokenAsync(adminKey.GetProperty("clientId").GetString()!, adminKey.GetProperty("clientSecret").GetString()!);
        })).Value;
        return stack.CreateApiClient(token);
    }

    /// <summary>
    /// The admin of <see cref="StackFixture.GrantedWorkspace"/>, a second workspace whose specs may
    /// read files under <see cref="StackFixture.GrantedWorkspaceRoot"/>; created once per stack.
    /// </summary>
    public static async Task<(Guid Id, HttpClient Client)> ClientOfGrantedWorkspaceAsync(this StackFixture stack)
    {
        var created = await Tokens.GetOrAdd((stack, "granted-workspace"), key => new Lazy<Task<string>>(async () =>
        {
            using var admin = await key.Item1.CreateAdminClientAsync();
            using var response = await admin.PostAsJsonAsync(new Uri("/api/workspaces", UriKind.Relative), new { name = StackFixture.GrantedWorkspace });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"POST /api/workspaces answered {(int)response.StatusCode}: {body}");
            var json = JsonDocument.Parse(body).RootElement;
            var adminKey = json.GetProperty("adminKey");
            var token = await key.Item1.GetTokenAsync(adminKey.GetProperty("clientId").GetString()!, adminKey.GetProperty("clientSecret").GetString()!);
            return json.GetProperty("id").GetGuid() + " " + token;
        })).Value;
        var parts = created.Split(' ');
        return (Guid.Parse(parts[0]), stack.CreateApiClient(parts[1]));
    }
}
