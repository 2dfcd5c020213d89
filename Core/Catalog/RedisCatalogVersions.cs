using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Ductus.Core.Catalog;

/// <summary>
/// Catalog version tokens in Redis, so a change committed by one process (a run finishing in the
/// Pipelines service) invalidates the cached reads of every other (each Api replica). A token is
/// a random value, not a counter: after Redis loses its data a new token cannot collide with one
/// a process still holds. Every failure answers "unknown", which turns caching off, never on.
/// </summary>
public sealed partial class RedisCatalogVersions(IConnectionMultiplexer redis, ILogger<RedisCatalogVersions> logger) : ICatalogVersions
{
    // Unused areas fall out of Redis; the next reader then starts a new token (one cache miss).
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(1);

    private static readonly LuaScript GetOrStart = LuaScript.Prepare(GetOrStartLua("v", "@key", "@fresh", "@ttl") + "return v");

    /// <summary>
    /// Lua that sets the local <paramref name="variable"/> to the token at <paramref name="key"/>,
    /// starting it as <paramref name="fresh"/> (kept <paramref name="ttl"/> seconds) when missing;
    /// for scripts that read tokens alongside work of their own (the Api's rate-limit count).
    /// </summary>
    public static string GetOrStartLua(string variable, string key, string fresh, string ttl) => $"""
        local {variable} = redis.call('GET', {key})
        if not {variable} then
            {variable} = {fresh}
            redis.call('SET', {key}, {variable}, 'EX', {ttl})
        end

        """;
    // The tokens an Api request fetched in the same Redis round trip as its rate-limit count,
    // before anything else: reading them at the start of the request keeps "token read before
    // the data" true, and saves a round trip on every catalog read the request makes.
    private static readonly AsyncLocal<Prefetched?> RequestTokens = new();

    // A request that goes on reading (a run's event stream polls the run for minutes) must see
    // later changes, so the prefetched tokens stand only for reads made right at its start.
    private static readonly TimeSpan PrefetchLifetime = TimeSpan.FromMilliseconds(100);

    private sealed record Prefetched(Guid WorkspaceId, string Datasets, string Runs, long At);

    /// <summary>Scripts that fetch tokens themselves call this for the token they start for a missing key.</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>Tokens read for <paramref name="workspaceId"/> at the start of this request (see <see cref="Key"/>).</summary>
    public static void UseForThisRequest(Guid workspaceId, string datasets, string runs) =>
        RequestTokens.Value = new Prefetched(workspaceId, datasets, runs, System.Diagnostics.Stopwatch.GetTimestamp());

    public async Task<string?> CurrentAsync(Guid workspaceId, CatalogArea area)
    {
        if (RequestTokens.Value is { } prefetched && prefetched.WorkspaceId == workspaceId
            && System.Diagnostics.Stopwatch.GetElapsedTime(prefetched.At) < PrefetchLifetime)
        {
            return area == CatalogArea.Datasets ? prefetched.Datasets : prefetched.Runs;
        }

        if (!redis.IsConnected)
        {
            return null;
        }

        try
        {
            var result = await redis.GetDatabase().ScriptEvaluateAsync(
                GetOrStart, new { key = Key(workspaceId, area), fresh = NewToken(), ttl = (long)KeptFor.TotalSeconds });
            return (string?)result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    public async Task ChangedAsync(Guid workspaceId, CatalogArea area)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key(workspaceId, area), NewToken(), KeptFor);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Other processes may serve their cached reads of this area until the cache's age
            // limit: say so, the change itself is committed.
            LogChangeNotShared(logger, e, area, workspaceId);
        }
    }

    public static RedisKey Key(Guid workspaceId, CatalogArea area) =>
        $"ductus:catalog:{workspaceId:N}:{(area == CatalogArea.Datasets ? "datasets" : "runs")}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not share a change of the catalog's {Area} in workspace {WorkspaceId}; other processes' cached reads may lag up to 30 s")]
    private static partial void LogChangeNotShared(ILogger logger, Exception exception, CatalogArea area, Guid workspaceId);
}
