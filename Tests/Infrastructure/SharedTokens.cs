using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// Keys for a role, or for the admin of a second workspace, made once per stack and shared by
/// the endpoint tests: minting a key per test would spend the anonymous token endpoint's per-IP
/// budget that every test shares. A key's token is minted again once it is ten minutes old:
/// tokens live 15 minutes, and a whole test run on a busy machine lasts longer than that.
/// </summary>
public static class SharedTokens
{
    private static readonly TimeSpan Renew = TimeSpan.FromMinutes(10);

    private static readonly ConcurrentDictionary<(StackFixture, string), Lazy<Task<SharedKey>>> Keys = new();

    /// <summary>A client whose key holds exactly <paramref name="role"/> in the default workspace.</summary>
    public static async Task<HttpClient> ClientForRoleAsync(this StackFixture stack, string role)
    {
        var key = await KeyAsync(stack, "role:" + role, async () =>
        {
            using var admin = await stack.CreateAdminClientAsync();
            var created = await admin.CreateKeyAsync([role]);
            return new SharedKey(created.ClientId, created.ClientSecret, Guid.Empty);
        });
        return stack.CreateApiClient(await key.TokenAsync(stack));
    }

    /// <summary>The admin of another workspace, created for the test run: it must see nothing of the default one.</summary>
    public static async Task<HttpClient> ClientOfOtherWorkspaceAsync(this StackFixture stack)
    {
        var key = await KeyAsync(stack, "other-workspace", () => CreateWorkspaceAsync(stack, "other-" + Guid.NewGuid().ToString("N")[..10]));
        return stack.CreateApiClient(await key.TokenAsync(stack));
    }

    /// <summary>
    /// The admin of <see cref="StackFixture.GrantedWorkspace"/>, a second workspace whose specs may
    /// read files under <see cref="StackFixture.GrantedWorkspaceRoot"/>; created once per stack.
    /// </summary>
    public static async Task<(Guid Id, HttpClient Client)> ClientOfGrantedWorkspaceAsync(this StackFixture stack)
    {
        var key = await KeyAsync(stack, "granted-workspace", () => CreateWorkspaceAsync(stack, StackFixture.GrantedWorkspace));
        return (key.Workspace, stack.CreateApiClient(await key.TokenAsync(stack)));
    }

    private static Task<SharedKey> KeyAsync(StackFixture stack, string name, Func<Task<SharedKey>> create) =>
        Keys.GetOrAdd((stack, name), _ => new Lazy<Task<SharedKey>>(create)).Value;

    private static async Task<SharedKey> CreateWorkspaceAsync(StackFixture stack, string name)
    {
        using var admin = await stack.CreateAdminClientAsync();
        using var response = await admin.PostAsJsonAsync(new Uri("/api/workspaces", UriKind.Relative), new { name });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/workspaces answered {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var adminKey = json.GetProperty("adminKey");
        return new SharedKey(adminKey.GetProperty("clientId").GetString()!, adminKey.GetProperty("clientSecret").GetString()!, json.GetProperty("id").GetGuid());
    }

    private sealed class SharedKey(string clientId, string secret, Guid workspace)
    {
        private readonly Lock sync = new();
        private Task<(string Token, DateTimeOffset Minted)>? current;

        public Guid Workspace { get; } = workspace;

        public async Task<string> TokenAsync(StackFixture stack)
        {
            Task<(string Token, DateTimeOffset Minted)> minting;
            lock (sync)
            {
                // One mint at a time; a failed or aging token is replaced by the next caller.
                if (current is null || current.IsFaulted || (current.IsCompletedSuccessfully && DateTimeOffset.UtcNow - current.Result.Minted > Renew))
                {
                    current = MintAsync(stack);
                }

                minting = current;
            }

            return (await minting).Token;
        }

        private async Task<(string, DateTimeOffset)> MintAsync(StackFixture stack) => (await stack.GetTokenAsync(clientId, secret), DateTimeOffset.UtcNow);
    }
}
