using Ductus.Core.Catalog;
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

    // The same count, plus the catalog version tokens of the caller's workspace (started when
    // missing), so the request's catalog reads need no Redis round trip of their own.
    private static readonly LuaScript ScriptWithCatalog = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then
            redis.call('PEXPIRE', @key, @window)
        end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
            redis.call('PEXPIRE', @key, @window)
            ttl = tonumber(@window)
        end
        local datasets = redis.call('GET', @datasets)
        if not datasets then
            datasets = @fresh1
            redis.call('SET', @datasets, datasets, 'EX', @kept)
        end
        local runs = redis.call('GET', @runs)
        if not runs then
            runs = @fresh2
            redis.call('SET', @runs, runs, 'EX', @kept)
        end
        return { count, ttl, datasets, runs }
        """);

    /// <summary>
    /// Counts a hit and, for a caller acting in <paramref name="workspaceId"/>, makes this
    /// request's catalog reads use the version tokens read in the same round trip.
    /// </summary>
    public async Task<RateLimitDecision> HitAsync(string partition, int limit, TimeSpan window, Guid workspaceId)
    {
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            ScriptWithCatalog,
            new
            {
                key = (RedisKey)(KeyPrefix + partition),
                window = (long)window.TotalMilliseconds,
                datasets = RedisCatalogVersions.Key(workspaceId, CatalogArea.Datasets),
                runs = RedisCatalogVersions.Key(workspaceId, CatalogArea.Runs),
                fresh1 = RedisCatalogVersions.NewToken(),
                fresh2 = RedisCatalogVersions.NewToken(),
                kept = (long)RedisCatalogVersions.KeptFor.TotalSeconds,
            }))!;
        RedisCatalogVersions.UseForThisRequest(workspaceId, (string)result[2]!, (string)result[3]!);
        var count = (long)result[0];
        return new RateLimitDecision(count <= limit, count, TimeSpan.FromMilliseconds((long)result[1]));
    }

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
