using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace Ductus.Api.Protection;

public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// A fixed-window counter per client in Redis, so every Api replica counts against the same
/// budget. <see cref="HitAsync"/> counts every hit in Redis; <see cref="TakeAsync"/>, for the
/// requests of authenticated clients, claims the permits of a busy client in blocks and hands
/// them out in this process (see <see cref="Lease"/>).
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis)
{
    private const string KeyPrefix = "ductus:ratelimit:";

    // A block never holds more than this share of a client's budget, so the permits one replica
    // holds and does not use cost the client's requests to other replicas little.
    private const int BlockShareOfLimit = 64;
    private const int MaxBlock = 256;

    // A block used up faster than this doubles the next; one that lasted longer than the slow
    // mark halves it. A client sending a request now and then is counted one request at a time.
    private static readonly TimeSpan FastBlock = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan SlowBlock = TimeSpan.FromMilliseconds(100);

    private const int MaxLeases = 10_000;

    // PEXPIRE only when this call started the window: later hits must not push its end further
    // out. The PTTL < 0 branch heals a key that somehow lost its expiry, which would block forever.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local count = redis.call('INCRBY', @key, @permits)
        if count == tonumber(@permits) then
            redis.call('PEXPIRE', @key, @window)
        end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
            redis.call('PEXPIRE', @key, @window)
            ttl = tonumber(@window)
        end
        return { count, ttl }
        """);

    private readonly ConcurrentDictionary<string, Lease> _leases = new();
    private long _claims;

    /// <summary>
    /// Permits of one client's current window claimed by this process and not yet used. Under
    /// load a catalog read's one Redis round trip was the gap between it and a bare endpoint
    /// (docs/benchmarks.md); a busy client now makes one round trip per block. The shared count
    /// is never overshot: a claim is granted only what is left of the budget. The price is the
    /// other way: permits a replica holds when the window ends were counted and go unused, at
    /// most 1/64 of the budget per replica, and only for a client busy enough to grow its block.
    /// </summary>
    private sealed class Lease
    {
        public long EndsAt;
        public int Left;
        public bool Spent;
        public int Block = 1;
        public long AnsweredAt;
        public Task? Claim;
    }

    /// <summary>Claims sent to Redis by <see cref="TakeAsync"/>; tests and benchmarks compare it with the requests counted.</summary>
    internal long Claims => Interlocked.Read(ref _claims);

    /// <summary>Counts one hit in Redis and answers whether it is within the budget.</summary>
    public async Task<RateLimitDecision> HitAsync(string partition, int limit, TimeSpan window)
    {
        var (count, ttl) = await CountAsync(partition, 1, window);
        return new RateLimitDecision(count <= limit, ttl);
    }

    /// <summary>
    /// Takes one permit of the client's budget: from this process's block when it holds one,
    /// else by claiming a block from Redis (one claim on the wire per client; the others wait
    /// for it). Once the window's budget is spent, refuses without asking Redis until it ends.
    /// </summary>
    public async Task<RateLimitDecision> TakeAsync(string partition, int limit, TimeSpan window)
    {
        var lease = LeaseOf(partition);
        while (true)
        {
            Task claim;
            lock (lease)
            {
                var now = Stopwatch.GetTimestamp();
                if (now < lease.EndsAt)
                {
                    if (lease.Left > 0)
                    {
                        lease.Left--;
                        return new RateLimitDecision(true, TimeSpan.Zero);
                    }

                    if (lease.Spent)
                    {
                        return new RateLimitDecision(false, Stopwatch.GetElapsedTime(now, lease.EndsAt));
                    }
                }

                // A finished claim (answered, or failed: its waiters failed open) makes way for a new one.
                if (lease.Claim is null || lease.Claim.IsCompleted)
                {
                    lease.Claim = ClaimAsync(lease, partition, limit, window, NextBlock(lease, limit, now));
                }

                claim = lease.Claim;
            }

            await claim;
        }
    }

    private static int NextBlock(Lease lease, int limit, long now)
    {
        var cap = Math.Clamp(limit / BlockShareOfLimit, 1, MaxBlock);
        if (lease.AnsweredAt != 0)
        {
            var lasted = Stopwatch.GetElapsedTime(lease.AnsweredAt, now);
            lease.Block = lasted < FastBlock ? lease.Block * 2 : lasted > SlowBlock ? lease.Block / 2 : lease.Block;
        }

        lease.Block = Math.Clamp(lease.Block, 1, cap);
        return lease.Block;
    }

    private async Task ClaimAsync(Lease lease, string partition, int limit, TimeSpan window, int block)
    {
        Interlocked.Increment(ref _claims);
        var (count, ttl) = await CountAsync(partition, block, window);
        lock (lease)
        {
            var now = Stopwatch.GetTimestamp();
            var before = count - block;
            lease.Left = (int)Math.Clamp(limit - before, 0, block);
            lease.Spent = count >= limit;
            // At least a millisecond: a window answered as ending now must not be claimed in a spin.
            lease.EndsAt = now + (long)(Math.Max(ttl.TotalSeconds, 0.001) * Stopwatch.Frequency);
            lease.AnsweredAt = now;
        }
    }

    private Lease LeaseOf(string partition)
    {
        if (_leases.TryGetValue(partition, out var lease))
        {
            return lease;
        }

        if (_leases.Count >= MaxLeases)
        {
            // Clients come and go with their keys; a lease whose window is over holds nothing.
            var now = Stopwatch.GetTimestamp();
            foreach (var (key, old) in _leases)
            {
                lock (old)
                {
                    if (old.EndsAt < now && old.Claim is null or { IsCompleted: true })
                    {
                        _leases.TryRemove(key, out _);
                    }
                }
            }
        }

        return _leases.GetOrAdd(partition, static _ => new Lease());
    }

    private async Task<(long Count, TimeSpan Ttl)> CountAsync(string partition, int permits, TimeSpan window)
    {
        // While disconnected a command would wait for the connect timeout (seconds) before
        // failing; fail at once so the caller's fail-open path costs nothing.
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            new { key = (RedisKey)(KeyPrefix + partition), permits, window = (long)window.TotalMilliseconds }))!;
        return ((long)result[0], TimeSpan.FromMilliseconds((long)result[1]));
    }
}
