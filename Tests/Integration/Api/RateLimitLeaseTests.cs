using Ductus.Api.Protection;
using Ductus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// A busy client's permits are claimed from the shared Redis count in blocks and handed out by
/// each Api replica. Two limiters on two connections stand for two replicas.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class RateLimitLeaseTests(StackFixture stack)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Two_replicas_hammering_one_client_hand_out_exactly_its_budget_in_few_claims()
    {
        await using var redisA = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using var redisB = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        RedisRateLimiter[] replicas = [new(redisA), new(redisB)];
        var client = "client:lease-" + Guid.NewGuid().ToString("N")[..8];
        const int limit = 2_000;

        // 1,000 requests past the budget: every replica goes on until its block is used up.
        var allowed = 0;
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 3_000 / 16; n++)
            {
                var decision = await replicas[i % 2].TakeAsync(client, limit, Minute);
                if (decision.Allowed)
                {
                    Interlocked.Increment(ref allowed);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                    Assert.InRange(decision.RetryAfter, TimeSpan.FromTicks(1), Minute);
                }
            }
        })));

        Assert.Equal(limit, allowed);
        Assert.Equal(3_000 / 16 * 16 - limit, refused);
        var claims = replicas[0].Claims + replicas[1].Claims;
        Assert.True(claims * 4 < limit, $"{claims} claims for {limit} permits: the blocks did not grow");
        Assert.InRange((long)await redisA.GetDatabase().StringGetAsync("ductus:ratelimit:" + client), limit, limit + (2 * 31));
    }

    [Fact]
    public async Task A_client_past_its_budget_is_refused_without_asking_redis_until_the_window_ends()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var limiter = new RedisRateLimiter(redis);
        var client = "client:window-" + Guid.NewGuid().ToString("N")[..8];
        var window = TimeSpan.FromSeconds(1);

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await limiter.TakeAsync(client, 5, window)).Allowed, $"request {i + 1}");
        }

        var refused = await limiter.TakeAsync(client, 5, window);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromTicks(1), window);
        Assert.False((await limiter.TakeAsync(client, 5, window)).Allowed);
        // A budget of 5 is counted one request at a time, and refusals never reached Redis.
        Assert.Equal(5, (long)await redis.GetDatabase().StringGetAsync("ductus:ratelimit:" + client));
        Assert.Equal(5, limiter.Claims);

        await Task.Delay(refused.RetryAfter + TimeSpan.FromMilliseconds(50));
        Assert.True((await limiter.TakeAsync(client, 5, window)).Allowed);
    }

    [Fact]
    public async Task A_client_sending_now_and_then_is_counted_one_request_at_a_time()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var limiter = new RedisRateLimiter(redis);
        var client = "client:slow-" + Guid.NewGuid().ToString("N")[..8];

        for (var i = 0; i < 4; i++)
        {
            Assert.True((await limiter.TakeAsync(client, 1_000_000, Minute)).Allowed);
            await Task.Delay(150);
        }

        // No permits held back: another replica could use all of the rest of the budget.
        Assert.Equal(4, (long)await redis.GetDatabase().StringGetAsync("ductus:ratelimit:" + client));
    }

    [Fact]
    public async Task Without_redis_every_take_fails_for_the_caller_to_let_through_and_none_sticks()
    {
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var limiter = new RedisRateLimiter(nowhere);

        await Assert.ThrowsAsync<RedisConnectionException>(() => limiter.TakeAsync("client:away", 10, Minute));
        await Assert.ThrowsAsync<RedisConnectionException>(() => limiter.TakeAsync("client:away", 10, Minute));
        Assert.Equal(2, limiter.Claims);
    }
}
