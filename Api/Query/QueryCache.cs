using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ductus.Core.Contracts;
using StackExchange.Redis;

namespace Ductus.Api.Query;

/// <summary>Limits of the query result cache (<c>Ductus:QueryCache</c>).</summary>
public sealed class QueryCacheOptions
{
    public const string Section = "Ductus:QueryCache";

    public bool Enabled { get; set; } = true;

    /// <summary>Results larger than this are streamed but not cached.</summary>
    public int MaxEntryBytes { get; set; } = 1 << 20;

    /// <summary>Entries never go stale (the key names the snapshots read); the TTL only bounds memory.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What the <see cref="DuctusHeaders.Cache"/> header says.</summary>
public enum CacheState
{
    /// <summary>Served from the cache.</summary>
    Hit,

    /// <summary>Not in the cache: run, then cached if small enough.</summary>
    Miss,

    /// <summary>Redis is down: run and not cached.</summary>
    Unavailable,

    /// <summary><c>Ductus:QueryCache:Enabled</c> is false.</summary>
    Disabled,

    /// <summary>The result holds personal data unmasked: run every time (and audited), never kept in Redis.</summary>
    Bypassed,
}

/// <summary>
/// Query results in Redis, keyed by workspace, the normalised statement, its parameters, the
/// format and limit, and the exact snapshot version of every dataset it reads. A new snapshot
/// changes the key, so a hit can never be stale and no invalidation is needed. Redis being
/// down only turns every lookup into a miss.
/// </summary>
public sealed class QueryCache(IConnectionMultiplexer redis, QueryCacheOptions options, ILogger<QueryCache> logger)
{
    public bool Enabled => options.Enabled;

    public int MaxEntryBytes => options.MaxEntryBytes;

    /// <param name="masks">The mask profile (<c>PiiDecision.CacheKey</c>): who may see what is part of what the result is.</param>
    public static string Key(Guid workspace, string normalizedSql, IReadOnlyDictionary<string, JsonElement>? parameters, IReadOnlyDictionary<string, long> versions, string format, int? limit, string masks = "")
    {
        var text = new StringBuilder()
            .Append(normalizedSql).Append('\n')
            .AppendJoin(',', (parameters ?? new Dictionary<string, JsonElement>()).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.GetRawText()}")).Append('\n')
            .AppendJoin(',', versions.OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase).Select(v => $"{v.Key.ToLowerInvariant()}={v.Value}")).Append('\n')
            .Append(format).Append('\n').Append(limit).Append('\n').Append(masks);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return $"ductus:query:{workspace:N}:{hash}";
    }

    /// <summary>The cached result, or why there is none (<see cref="CacheState.Miss"/> or <see cref="CacheState.Unavailable"/>).</summary>
    public async Task<(CacheState State, byte[]? Value)> GetAsync(string key)
    {
        if (!options.Enabled)
        {
            return (CacheState.Disabled, null);
        }

        // While disconnected every command would wait for the connect timeout before failing.
        if (!redis.IsConnected)
        {
            return (CacheState.Unavailable, null);
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(key);
            return value.IsNull ? (CacheState.Miss, null) : (CacheState.Hit, (byte[]?)value);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Query cache unavailable, answering uncached: {Message}", e.Message);
            return (CacheState.Unavailable, null);
        }
    }

    public async Task SetAsync(string key, ReadOnlyMemory<byte> value)
    {
        if (!options.Enabled || value.Length > options.MaxEntryBytes || !redis.IsConnected)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(key, value, options.TimeToLive);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Query cache unavailable, result not cached: {Message}", e.Message);
        }
    }
}
