using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    public static string Key(Guid workspace, string normalizedSql, IReadOnlyDictionary<string, JsonElement>? parameters, IReadOnlyDictionary<string, long> versions, string format, int? limit)
    {
        var text = new StringBuilder()
            .Append(normalizedSql).Append('\n')
            .AppendJoin(',', (parameters ?? new Dictionary<string, JsonElement>()).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.GetRawText()}")).Append('\n')
            .AppendJoin(',', versions.OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase).Select(v => $"{v.Key.ToLowerInvariant()}={v.Value}")).Append('\n')
            .Append(format).Append('\n').Append(limit);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return $"ductus:query:{workspace:N}:{hash}";
    }

    public async Task<byte[]?> GetAsync(string key)
    {
        if (!options.Enabled)
        {
            return null;
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(key);
            return value.IsNull ? null : (byte[]?)value;
        }
        catch (RedisException e)
        {
            logger.LogWarning("Query cache unavailable, answering uncached: {Message}", e.Message);
            return null;
        }
    }

    public async Task SetAsync(string key, ReadOnlyMemory<byte> value)
    {
        if (!options.Enabled || value.Length > options.MaxEntryBytes)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(key, value, options.TimeToLive);
        }
        catch (RedisException e)
        {
            logger.LogWarning("Query cache unavailable, result not cached: {Message}", e.Message);
        }
    }
}
