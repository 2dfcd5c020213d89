using System.Collections.Concurrent;
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

    /// <summary>
    /// Lua that sets the local <paramref name="variable"/> to the token at <paramref name="key"/>,
    /// starting it as <paramref name="fresh"/> (kept <paramref name="ttl"/> seconds) when missing.
    /// </summary>
    private static string GetOrStartLua(string variable, string key, string fresh, string ttl) => $"""
        local {variable} = redis.call('GET', {key})
        if not {variable} then
            {variable} = {fresh}
            redis.call('SET', {key}, {variable}, 'EX', {ttl})
        end

        """;
    // Both tokens of a workspace travel in one script: a request that reads both areas (a run's
    // page masks PII through the dataset list) makes one round trip, and a reader that sees a
    // commit's new runs token sees its datasets token too (the committer moves datasets first).
    private static readonly LuaScript GetOrStartBoth = LuaScript.Prepare(
        GetOrStartLua("datasets", "@datasets", "@fresh1", "@ttl")
        + GetOrStartLua("runs", "@runs", "@fresh2", "@ttl")
        + "return { datasets, runs }");

    // The tokens a request has read, kept for the rest of its start: one read serves every
    // catalog read the request makes (a box set before the request's code runs, so a read deep
    // in an awaited call can fill it for the next).
    private static readonly AsyncLocal<RequestTokens?> ThisRequest = new();

    // A request that goes on reading (a run's event stream polls the run for minutes) must see
    // later changes, so a request's tokens stand only for reads made right at its start.
    private static readonly TimeSpan RequestTokenLifetime = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<Guid, CoalescedRead> _reads = new();

    private sealed record Tokens(Guid WorkspaceId, string Datasets, string Runs, long At);

    private sealed class RequestTokens
    {
        public volatile Tokens? Read;
    }

    /// <summary>
    /// The reads of one workspace's tokens. Under load hundreds of requests a second want them;
    /// each waits for a read that <em>started after it asked</em> — the one on the wire now if it
    /// is just being sent, else the next, which carries everyone who asked meanwhile — so
    /// coalescing never hands out a token older than the caller's arrival, and Redis sees about
    /// one read per round-trip time instead of one per request.
    /// </summary>
    private sealed class CoalescedRead
    {
        public TaskCompletionSource<Tokens?>? OnTheWire;
        public TaskCompletionSource<Tokens?>? Next;
    }

    /// <summary>Tells this process's catalog reads that a request starts: its reads share one token read.</summary>
    public static void StartRequest() => ThisRequest.Value = new RequestTokens();

    /// <summary>Token reads sent to Redis by this instance; tests and benchmarks compare it with the reads asked for.</summary>
    internal long RoundTrips => Interlocked.Read(ref _roundTrips);

    private long _roundTrips;

    /// <summary>Scripts that fetch tokens themselves call this for the token they start for a missing key.</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");

    public async Task<string?> CurrentAsync(Guid workspaceId, CatalogArea area)
    {
        var request = ThisRequest.Value;
        if (request?.Read is { } read && read.WorkspaceId == workspaceId
            && System.Diagnostics.Stopwatch.GetElapsedTime(read.At) < RequestTokenLifetime)
        {
            return Pick(read, area);
        }

        if (!redis.IsConnected)
        {
            return null;
        }

        var tokens = await ReadCoalescedAsync(workspaceId);
        if (tokens is not null && request is not null)
        {
            request.Read = tokens;
        }

        return tokens is null ? null : Pick(tokens, area);
    }

    private static string Pick(Tokens tokens, CatalogArea area) => area == CatalogArea.Datasets ? tokens.Datasets : tokens.Runs;

    private Task<Tokens?> ReadCoalescedAsync(Guid workspaceId)
    {
        var reads = _reads.GetOrAdd(workspaceId, static _ => new CoalescedRead());
        TaskCompletionSource<Tokens?> mine;
        lock (reads)
        {
            if (reads.OnTheWire is not null)
            {
                // The read on the wire may have left before this caller asked: wait for the next.
                reads.Next ??= new TaskCompletionSource<Tokens?>(TaskCreationOptions.RunContinuationsAsynchronously);
                return reads.Next.Task;
            }

            mine = reads.OnTheWire = new TaskCompletionSource<Tokens?>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _ = SendReadsAsync(workspaceId, reads);
        return mine.Task;
    }

    // Sends reads back to back while callers keep arriving; ends when a read finds nobody waiting.
    private async Task SendReadsAsync(Guid workspaceId, CoalescedRead reads)
    {
        while (true)
        {
            var tokens = await ReadOnceAsync(workspaceId);
            TaskCompletionSource<Tokens?> answered;
            bool more;
            lock (reads)
            {
                answered = reads.OnTheWire!;
                reads.OnTheWire = reads.Next;
                reads.Next = null;
                more = reads.OnTheWire is not null;
            }

            answered.SetResult(tokens);
            if (!more)
            {
                return;
            }
        }
    }

    private async Task<Tokens?> ReadOnceAsync(Guid workspaceId)
    {
        Interlocked.Increment(ref _roundTrips);
        try
        {
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
                GetOrStartBoth,
                new
                {
                    datasets = Key(workspaceId, CatalogArea.Datasets),
                    runs = Key(workspaceId, CatalogArea.Runs),
                    fresh1 = NewToken(),
                    fresh2 = NewToken(),
                    ttl = (long)KeptFor.TotalSeconds,
                }))!;
            return new Tokens(workspaceId, (string)result[0]!, (string)result[1]!, System.Diagnostics.Stopwatch.GetTimestamp());
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
