using System.Net;
using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Api.Protection;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// The token endpoint's cost under guessing: PBKDF2 is spent only within a budget per client id
/// and per address (Redis), and a secret verified once is not hashed again. The HTTP test runs
/// against the stack's Api with its default limits; the others build the same authenticator over
/// the stack's PostgreSQL and Redis with small limits and count the hashes it does.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class TokenThrottleTests(StackFixture stack) : IAsyncLifetime
{
    private NpgsqlDataSource _db = null!;
    private ConnectionMultiplexer _redis = null!;
    private ApiClientStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        _redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        _store = new ApiClientStore(_db, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Bad_secrets_past_the_client_budget_get_a_429_problem_while_a_remembered_secret_still_works()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Analyst]);
        await stack.GetTokenAsync(key.ClientId, key.ClientSecret);
        using var client = stack.CreateApiClient();

        // The default budget: 10 hashing attempts per client id and minute. The first exchange above
        // hashed too (nothing was remembered yet), so 9 guesses are left.
        for (var i = 0; i < 9; i++)
        {
            using var wrong = await client.RequestTokenAsync(key.ClientId, key.ClientSecret + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var refused = await client.RequestTokenAsync(key.ClientId, key.ClientSecret + "x");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("access_token", problem.GetRawText(), StringComparison.Ordinal);

        // The key's holder, whose secret this Api verified before, is not locked out by the guesser.
        using var owner = await client.RequestTokenAsync(key.ClientId, key.ClientSecret);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task Bad_secrets_are_throttled_before_any_hashing_and_the_key_works_again_after_the_window()
    {
        var (secrets, auth) = Authenticator(perClient: 3, perAddress: 100);
        var (_, clientId, secret) = await CreateKeyAsync();
        var from = IPAddress.Parse("198.51.100.10");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ClientAuthentication.Refused, await auth.AuthenticateAsync(clientId, secret + i, from, default));
        }

        Assert.Equal(3, secrets.Hashes);
        var throttled = await auth.AuthenticateAsync(clientId, secret + "x", from, default);
        Assert.Null(throttled.Client);
        Assert.NotNull(throttled.RetryAfter);
        // Over budget even the right secret is not checked: checking it is what costs.
        var right = await auth.AuthenticateAsync(clientId, secret, from, default);
        Assert.NotNull(right.RetryAfter);
        Assert.Equal(3, secrets.Hashes);

        await Task.Delay(right.RetryAfter!.Value + TimeSpan.FromMilliseconds(200));
        var accepted = await auth.AuthenticateAsync(clientId, secret, from, default);
        Assert.Equal(clientId, accepted.Client?.ClientId);
        Assert.Equal(ApiClientStore.DefaultWorkspaceId, accepted.Client?.WorkspaceId);
        Assert.Equal(4, secrets.Hashes);

        // Remembered now: the next exchange neither hashes nor spends budget.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(clientId, (await auth.AuthenticateAsync(clientId, secret, from, default)).Client?.ClientId);
        }

        Assert.Equal(4, secrets.Hashes);
    }

    [Fact]
    public async Task Guesses_from_one_address_are_throttled_whatever_client_ids_they_name()
    {
        var (secrets, auth) = Authenticator(perClient: 100, perAddress: 3);
        var guesser = IPAddress.Parse("198.51.100.20");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ClientAuthentication.Refused, await auth.AuthenticateAsync($"dk-guess-{Guid.NewGuid():N}", "guess", guesser, default));
        }

        Assert.NotNull((await auth.AuthenticateAsync($"dk-guess-{Guid.NewGuid():N}", "guess", guesser, default)).RetryAfter);
        Assert.Equal(3, secrets.Hashes);

        // Another address has its own budget.
        Assert.Equal(ClientAuthentication.Refused, await auth.AuthenticateAsync($"dk-guess-{Guid.NewGuid():N}", "guess", IPAddress.Parse("198.51.100.21"), default));
        Assert.Equal(4, secrets.Hashes);
    }

    [Fact]
    public async Task Revoking_a_key_stops_its_remembered_secret_from_working_on_every_replica()
    {
        var (secrets, replicaA) = Authenticator(perClient: 100, perAddress: 100);
        var (_, replicaB) = Authenticator(perClient: 100, perAddress: 100);
        var (id, clientId, secret) = await CreateKeyAsync();
        var from = IPAddress.Parse("198.51.100.30");
        Assert.NotNull((await replicaA.AuthenticateAsync(clientId, secret, from, default)).Client);
        Assert.NotNull((await replicaB.AuthenticateAsync(clientId, secret, from, default)).Client);
        Assert.Equal(1, secrets.Hashes);
        Assert.Equal(1, secrets.Count);

        Assert.Equal(RevokeOutcome.Revoked, await _store.RevokeAsync(ApiClientStore.DefaultWorkspaceId, id, "test", default));

        Assert.Equal(ClientAuthentication.Refused, await replicaA.AuthenticateAsync(clientId, secret, from, default));
        Assert.Equal(ClientAuthentication.Refused, await replicaB.AuthenticateAsync(clientId, secret, from, default));
        Assert.Equal(0, secrets.Count);
    }

    private (VerifiedSecretCache Secrets, ClientAuthenticator Authenticator) Authenticator(int perClient, int perAddress)
    {
        var secrets = new VerifiedSecretCache(TimeProvider.System, TimeSpan.FromHours(1), 100);
        var options = Options.Create(new AuthOptions
        {
            TokenAttemptsPerClient = perClient,
            TokenAttemptsPerAddress = perAddress,
            TokenAttemptWindow = TimeSpan.FromSeconds(2),
        });
        return (secrets, new ClientAuthenticator(_store, secrets, new RedisRateLimiter(_redis), options, NullLogger<ClientAuthenticator>.Instance));
    }

    private async Task<(Guid Id, string ClientId, string Secret)> CreateKeyAsync()
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(_db, ApiClientStore.DefaultWorkspaceId, default);
        await using (connection)
        await using (tx)
        {
            var (client, secret) = await _store.CreateAsync(connection, tx, ApiClientStore.DefaultWorkspaceId,
                new NewApiClient("token throttle test", null, [Roles.Analyst], null), "test", default);
            await tx.CommitAsync();
            return (client.Id, client.ClientId, secret);
        }
    }
}
