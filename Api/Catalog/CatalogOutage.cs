using System.Net.Sockets;
using Ductus.Api.Protection;
using Npgsql;

namespace Ductus.Api.Catalog;

/// <summary>
/// While the catalog database is unreachable (restarting, failing over), a request that needs
/// it is answered 503 with Retry-After instead of a 500: the client's retry is the remedy, and a
/// push retried with its Idempotency-Key is never stored twice. Nothing is half-done: each write
/// is one transaction, so a request that failed here stored nothing.
/// </summary>
public sealed class CatalogOutageMiddleware(RequestDelegate next, ILogger<CatalogOutageMiddleware> log)
{
    private const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context);
        }
        catch (Exception e) when (IsOutage(e) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            log.LogWarning("The catalog database is unavailable; {Method} {Path} answered 503: {Error}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Catalog unavailable",
                $"The catalog database cannot be reached right now (it may be restarting); nothing of this request was stored. Retry in {RetryAfterSeconds} s.");
        }
    }

    /// <summary>
    /// A connection that cannot be made or was cut (server shutting down: SQLSTATE class 57P,
    /// connection exceptions: class 08), not an error of the statement itself.
    /// </summary>
    public static bool IsOutage(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        _ => e.InnerException is { } inner && IsOutage(inner),
    };
}

public static class CatalogOutageSetup
{
    /// <summary>First in the pipeline, so authentication's and rate limiting's own catalog reads are covered too.</summary>
    public static WebApplication UseCatalogOutageAnswers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<CatalogOutageMiddleware>();
        return app;
    }
}
