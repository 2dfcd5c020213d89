using Ductus.Core.Catalog;
using StackExchange.Redis;

namespace Ductus.Api.Protection;

/// <summary>The catalog version tokens of a workspace, read in the rate-limit round trip.</summary>
public sealed record CatalogTokens(Guid WorkspaceId, string Datasets, string Runs);

public readonly record struct RateLimitDecision(bool Allowed, long Count, TimeSpan RetryAfter, CatalogTokens? Tokens = null);

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
    private const string CountLua = """
        local count = redis.call('INCR', @key)
        if count == 1 then
            redis.call('PEXPIRE', @key, @window)
        end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
            redis.call('PEXPIRE', @key, @window)
            ttl = tonumber(@window)
        end

        """;

    private static readonly LuaScript Script = LuaScript.Prepare(CountLua + "return { count, ttl }");

    // The same count, plus the catalog version tokens of the caller's workspace (started when
    // missing), so the request's catalog reads need no Redis round trip of their own.
    private static readonly LuaScript ScriptWithCatalog = LuaScript.Prepare(
        CountLua
        + RedisCatalogVersions.GetOrStartLua("datasets", "@datasets", "@fresh1", "@kept")
        + RedisCatalogVersions.GetOrStartLua("runs", "@runs", "@fresh2", "@kept")
        + "return { count, ttl, datasets, runs }");

    /// <summary>
    /// Counts a hit and reads the catalog version tokens of <paramref name="workspaceId"/> in the
    /// same round trip. The caller hands them to <see cref="RedisCatalogVersions.UseForThisRequest"/>
    /// itself: an AsyncLocal set in here, after an await, would not outlive this method.
    /// </summary>
    public async Task<RateLimitDecision> HitAsync(string partition, int limit, TimeSpan window, Guid workspaceId)
    {
        var result = (RedisResult[])(await Database().ScriptEvaluateAsync(
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
        return Decision(result, limit) with { Tokens = new CatalogTokens(workspaceId, (string)result[2]!, (string)result[3]!) };
    }

    public async Task<RateLimitDecision> HitAsync(string partition, int limit, TimeSpan window)
    {
        var result = (RedisResult[])(await Database().ScriptEvaluateAsync(
            Script,
            new { key = (RedisKey)(KeyPrefix + partition), window = (long)window.TotalMilliseconds }))!;
        return Decision(result, limit);
    }

    private IDatabase Database()
    {
        // While disconnected a command would wait for the connect timeout (seconds) before
        // failing; fail at once so the caller's fail-open path costs nothing.
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
        }

        return redis.GetDatabase();
    }

    private static RateLimitDecision Decision(RedisResult[] result, int limit)
    {
        var count = (long)result[0];
        return new RateLimitDecision(count <= limit, count, TimeSpan.FromMilliseconds((long)result[1]));
    }
}
