using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Api.Protection;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// The rate-limit round trip also reads the caller's catalog version tokens; the request's
/// catalog reads must then use them instead of asking Redis again.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class RateLimitPrefetchTests(StackFixture stack)
{
    [Fact]
    public async Task The_tokens_read_with_the_rate_limit_count_reach_the_requests_catalog_reads()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // A multiplexer that never connects: a catalog read that went to Redis itself would
        // answer "unknown" (null) instead of the token.
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var versions = new RedisCatalogVersions(nowhere, NullLogger<RedisCatalogVersions>.Instance);
        var ws = Guid.NewGuid();
        await redis.GetDatabase().StringSetAsync(RedisCatalogVersions.Key(ws, CatalogArea.Datasets), "datasets-token", TimeSpan.FromMinutes(5));

        (string? Datasets, string? Runs) seen = default;
        var middleware = new RateLimitMiddleware(
            async _ => seen = (await versions.CurrentAsync(ws, CatalogArea.Datasets), await versions.CurrentAsync(ws, CatalogArea.Runs)),
            new RedisRateLimiter(redis),
            new ServiceCollection().AddOptions<RateLimitOptions>().Services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<RateLimitOptions>>(),
            NullLogger<RateLimitMiddleware>.Instance);
        var context = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(DuctusClaims.Subject, "dk-prefetch-" + ws.ToString("N")[..8]), new Claim(DuctusClaims.Workspace, ws.ToString())], "test")),
        };
        context.Request.Path = "/api/datasets";

        await middleware.InvokeAsync(context);

        Assert.Equal("datasets-token", seen.Datasets);
        // The runs token did not exist: the same script started it, and the read sees that one.
        Assert.Equal((string?)await redis.GetDatabase().StringGetAsync(RedisCatalogVersions.Key(ws, CatalogArea.Runs)), seen.Runs);
        Assert.NotNull(seen.Runs);
    }
}
