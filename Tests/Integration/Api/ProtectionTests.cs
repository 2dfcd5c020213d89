using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class ProtectionTests(StackFixture stack)
{
    [Fact]
    public async Task A_client_past_its_rate_limit_gets_429_with_retry_after_and_others_do_not()
    {
        // A key with its own small budget, so the test does not have to spend the default one.
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Admin], rateLimit: 3);
        using var limited = stack.CreateApiClient(await stack.GetTokenAsync(key.ClientId, key.ClientSecret));
        var uri = new Uri("/api/workspaces", UriKind.Relative);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await limited.GetAsync(uri);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await limited.GetAsync(uri);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());

        // The budget is per client: the admin is not affected.
        using var other = await admin.GetAsync(uri);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task The_limit_is_counted_in_redis_where_every_replica_sees_it()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Admin], rateLimit: 100);
        using var client = stack.CreateApiClient(await stack.GetTokenAsync(key.ClientId, key.ClientSecret));
        for (var i = 0; i < 2; i++)
        {
            using var ok = await client.GetAsync(new Uri("/api/keys", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using (redis)
        {
            var db = redis.GetDatabase();
            var count = (long)await db.StringGetAsync($"ductus:ratelimit:client:{key.ClientId}");
            Assert.Equal(2, count);
            Assert.NotNull(await db.KeyTimeToLiveAsync($"ductus:ratelimit:client:{key.ClientId}"));
        }
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_a_413_problem()
    {
        using var admin = await stack.CreateAdminClientAsync();
        // Declared larger than the default 8 MiB limit; Expect: 100-continue lets the Api refuse
        // before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/keys", UriKind.Relative))
        {
            Content = new ByteArrayContent(new byte[(8 * 1024 * 1024) + 1]),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.ExpectContinue = true;
        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
    }
}
