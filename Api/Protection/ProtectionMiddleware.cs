using Ductus.Api.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Api.Protection;

/// <summary>Problem-detail responses written outside FastEndpoints (middleware, auth events).</summary>
public static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Results.Problem(
            statusCode: status,
            title: title,
            detail: detail,
            type: $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
            instance: context.Request.Path).ExecuteAsync(context);
    }
}

/// <summary>
/// Refuses bodies over the configured size with a 413 problem detail: at once when the
/// declared Content-Length is too large, and when a chunked body grows past it while read.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<RequestLimitOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The request body has {context.Request.ContentLength} bytes; this API accepts at most {limit}.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The request body grew past the limit of {limit} bytes.");
        }
    }
}

/// <summary>
/// Counts requests to <c>/api</c> and <c>/auth</c> per client (the token's subject) or, without
/// a token, per IP address, and answers 429 with Retry-After once the window's budget is spent.
/// Runs after authentication so it knows the client, before authorization so that refused
/// requests count too.
/// </summary>
public sealed class RateLimitMiddleware(
    RequestDelegate next, RedisRateLimiter limiter, IOptionsMonitor<RateLimitOptions> options, ILogger<RateLimitMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;
        var path = context.Request.Path;
        if (!settings.Enabled || !(path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/auth", StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var user = context.User;
        var (partition, limit) = user.Identity?.IsAuthenticated == true
            ? ("client:" + user.Actor(), user.ClientRateLimit() ?? settings.PermitLimit)
            : ("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), settings.AnonymousPermitLimit);

        RateLimitDecision decision;
        try
        {
            // A client's requests are counted in blocks claimed from Redis; a caller without a
            // token is counted one request at a time (its budget is small and per address).
            decision = user.Identity?.IsAuthenticated == true
                ? await limiter.TakeAsync(partition, limit, settings.Window)
                : await limiter.HitAsync(partition, limit, settings.Window);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Failing open: a Redis outage should slow down abuse detection, not take the API down.
            logger.LogWarning("Rate limit check failed for {Partition}; request let through: {Message}", partition, e.Message);
            await next(context);
            return;
        }

        if (!decision.Allowed)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This client may make {limit} requests per {settings.Window.TotalSeconds:0} s; try again in {seconds} s.");
            return;
        }

        await next(context);
    }
}
