using StackExchange.Redis;

namespace Ductus.Api.Protection;

public readonly record struct RateLimitDecision(bool Allowed, long Count, TimeSpan RetryAfter);

/// <summary>
/// A fixed-window counter per client in Redis, so every Api replica counts against the same
/// budget. One script call per request: increment, start the window on the first hit, and
/// return the count with the time left.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis)
{
    private const string KeyPrefix = "ductus:ratelimit:";

    // PEXPIRE only on the first hit: later hits must not push the window's end further out.
    // The PTTL < 0 branch heals a key that somehow lost its expiry, which would block forever.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then
            redis.call('PEXPIRE', @key, @window)
        end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
            redis.call('PEXPIRE', @key, @window)
            ttl = tonumber(@window)
        end
        return { count, ttl }
        """);

    public async Task<RateLimitDecision> HitAsync(string partition, int limit, TimeSpan window)
    {
        // While disconnected a command would wait for the connect timeout (seconds) before
        // failing; fail at once so the caller's fail-open path costs nothing.
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            new { key = (RedisKey)(KeyPrefix + partition), window = (long)window.TotalMilliseconds }))!;
        var count = (long)result[0];
        var ttl = TimeSpan.FromMilliseconds((long)result[1]);
        return new RateLimitDecision(count <= limit, count, ttl);
    }
}
