using Ductus.Core;
using Ductus.Core.Catalog;

namespace Ductus.Api.Catalog;

public static class DataStoreSetup
{
    /// <summary>
    /// The catalog database, acting as ductus_app (no BYPASSRLS), so the workspace policies hold
    /// even for a query that forgets its workspace filter; and Redis, for what may be lost: rate
    /// limits, the query cache, catalog version tokens, run and ingest notices.
    /// </summary>
    public static IHostApplicationBuilder AddDataStores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNpgsqlDataSource(Resources.Database, settings => settings.ConnectionString = CatalogRole.Adopt(settings.ConnectionString), dataSource =>
            {
                // An ingest push streams ~100 KB into COPY; with the default 8 KB buffer every flush armed
                // Npgsql's timeout timer under a lock the 16 pushing connections fought over.
                dataSource.ConnectionStringBuilder.WriteBufferSize = 64 * 1024;
                CatalogRole.PrepareRepeatedStatements(dataSource.ConnectionStringBuilder);
            });
        builder.AddOptionalRedisClient(Resources.Redis);
        return builder;
    }
}
