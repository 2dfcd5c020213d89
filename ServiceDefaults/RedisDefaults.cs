using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A Redis client for a service that keeps working without Redis (it keeps only derived data
/// there: caches, counters, notices), so an outage makes <c>/health</c> Degraded, not Unhealthy.
/// Aspire's own Redis check reports Unhealthy, which would mark a service that still answers as down.
/// </summary>
public static class RedisDefaults
{
    public const string HealthCheckName = "redis";

    public static TBuilder AddOptionalRedisClient<TBuilder>(this TBuilder builder, string connectionName)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddRedisClient(
            connectionName,
            settings => settings.DisableHealthChecks = true,
            // The client's own dedicated I/O threads compete with the request threads on a small
            // machine; the shared thread pool serves both with fewer context switches.
            options => options.SocketManager = SocketManager.ThreadPool);
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(HealthCheckName, HealthStatus.Degraded);
        return builder;
    }
}

public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Not connected means every command would wait for the connect timeout: say so at once.
        if (!redis.IsConnected)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not connected; serving without cache.");
        }

        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis does not answer: {e.Message}", e);
        }
    }
}
