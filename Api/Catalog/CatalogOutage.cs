using Ductus.Api.Protection;
using Ductus.Core.Catalog;

namespace Ductus.Api.Catalog;

/// <summary>
/// While the catalog database is unreachable (restarting, failing over), a request that needs
/// it is answered 503 with Retry-After instead of a 500: the client's retry is the remedy, and a
/// push retried with its Idempotency-Key is never stored twice. Nothing is half-done: each write
/// is one transaction, so a request that failed here stored nothing.
/// </summary>
public sealed class CatalogOutageMiddleware(RequestDelegate next, ILogger<CatalogOutageMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context);
        }
        catch (Exception e) when (CatalogOutage.IsOutage(e) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            log.LogWarning("The catalog database is unavailable; {Method} {Path} answered 503: {Error}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = CatalogOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, CatalogOutage.ProblemTitle, CatalogOutage.ProblemDetail);
        }
    }
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
