using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// Catalog reads under load share their version-token reads: concurrent callers ride one Redis
/// round trip, and a request's reads share the tokens its first read fetched. Sharing must never
/// hand a caller a token older than its call: a change committed before a read starts is seen.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class CatalogTokenReadTests(StackFixture stack)
{
    [Fact]
    public async Task Concurrent_reads_share_round_trips_and_none_returns_a_token_older_than_its_call()
    {
        await using var readerRedis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await using var writerRedis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var reader = new RedisCatalogVersions(readerRedis, NullLogger<RedisCatalogVersions>.Instance);
        var writer = new RedisCatalogVersions(writerRedis, NullLogger<RedisCatalogVersions>.Instance);
        var ws = Guid.NewGuid();

        // Readers that keep a read on the wire all the time, so the checks below always find one
        // that left before their change: joining it would answer the token from before.
        using var stop = new CancellationTokenSource();
        var calls = 0L;
        var hammer = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await reader.CurrentAsync(ws, CatalogArea.Datasets);
                Interlocked.Increment(ref calls);
            }
        })).ToList();

        for (var change = 0; change < 200; change++)
        {
            await writer.ChangedAsync(ws, CatalogArea.Datasets);
            var read = await reader.CurrentAsync(ws, CatalogArea.Datasets);
            // Nothing changes the token meanwhile: what Redis holds now is what the change set.
            Assert.Equal((string?)await writerRedis.GetDatabase().StringGetAsync(RedisCatalogVersions.Key(ws, CatalogArea.Datasets)), read);
        }

        await stop.CancelAsync();
        await Task.WhenAll(hammer);
        var asked = Interlocked.Read(ref calls) + 200;
        Assert.True(reader.RoundTrips * 2 < asked, $"{reader.RoundTrips} round trips for {asked} reads: concurrent reads did not share them");
    }

    [Fact]
    public async Task A_requests_reads_of_both_areas_share_one_round_trip_and_reads_outside_a_request_do_not()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var versions = new RedisCatalogVersions(redis, NullLogger<RedisCatalogVersions>.Instance);
        var ws = Guid.NewGuid();
        await redis.GetDatabase().StringSetAsync(RedisCatalogVersions.Key(ws, CatalogArea.Datasets), "datasets-token", TimeSpan.FromMinutes(5));

        // Each Task.Run stands for one request: the Api starts every request the same way.
        var (datasets, runs, again, trips) = await Task.Run(async () =>
        {
            RedisCatalogVersions.StartRequest();
            var before = versions.RoundTrips;
            var d = await versions.CurrentAsync(ws, CatalogArea.Datasets);
            var r = await versions.CurrentAsync(ws, CatalogArea.Runs);
            var d2 = await versions.CurrentAsync(ws, CatalogArea.Datasets);
            return (d, r, d2, versions.RoundTrips - before);
        });

        Assert.Equal("datasets-token", datasets);
        Assert.Equal("datasets-token", again);
        // The runs token did not exist: the read started it, and the request sees that one.
        Assert.Equal((string?)await redis.GetDatabase().StringGetAsync(RedisCatalogVersions.Key(ws, CatalogArea.Runs)), runs);
        Assert.Equal(1, trips);

        var outside = await Task.Run(async () =>
        {
            var before = versions.RoundTrips;
            await versions.CurrentAsync(ws, CatalogArea.Datasets);
            await versions.CurrentAsync(ws, CatalogArea.Runs);
            return versions.RoundTrips - before;
        });
        Assert.Equal(2, outside);
    }

    [Fact]
    public async Task A_reader_whose_redis_is_away_answers_unknown()
    {
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var versions = new RedisCatalogVersions(nowhere, NullLogger<RedisCatalogVersions>.Instance);

        Assert.Null(await versions.CurrentAsync(Guid.NewGuid(), CatalogArea.Datasets));
    }
}
