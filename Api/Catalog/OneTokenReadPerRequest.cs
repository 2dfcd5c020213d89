using Ductus.Core.Catalog;

namespace Ductus.Api.Catalog;

public static class OneTokenReadPerRequestSetup
{
    /// <summary>
    /// Every request's catalog reads share the version tokens its first read fetched (within
    /// 100 ms), so a request that reads datasets and runs makes one Redis round trip, not one per
    /// read. Async, so the request's box does not outlive it on the connection's context.
    /// </summary>
    public static WebApplication UseOneTokenReadPerRequest(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            RedisCatalogVersions.StartRequest();
            await next(context);
        });
        return app;
    }
}
