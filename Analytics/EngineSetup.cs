using Ductus.Analytics.Query;
using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Lake;
using Ductus.Core.Telemetry;

namespace Ductus.Analytics;

public static class EngineSetup
{
    /// <summary>
    /// The catalog, read as ductus_app so row-level security holds even on a superuser login, and
    /// Redis, where the catalog's version tokens tell this worker's cached reads apart from stale ones.
    /// </summary>
    public static IHostApplicationBuilder AddDataStores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddNpgsqlDataSource(Resources.Database, settings => settings.ConnectionString = CatalogRole.Adopt(settings.ConnectionString));
        builder.AddOptionalRedisClient(Resources.Redis);
        return builder;
    }

    /// <summary>
    /// DuckDB over the lake, queries run in sandboxes sized by <c>Ductus:Query</c>, and the
    /// catalog that names each dataset's files. The lake is part of readiness: a worker that
    /// cannot reach it can answer nothing.
    /// </summary>
    public static IHostApplicationBuilder AddQueryEngine(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<LakeOptions, LakeOptionsValidator>(LakeOptions.Section);
        builder.Services.AddHealthChecks().AddCheck<LakeHealthCheck>(LakeHealthCheck.Name);
        builder.Services.AddSingleton<LakeFileProblems>();
        builder.Services.AddHealthChecks().AddCheck<LakeFileProblems>(LakeFileProblems.Name);
        builder.Services.AddSingleton<DuckDbEngine>();
        builder.Services.AddCatalogStore();
        builder.Services.AddValidatedOptions<QueryOptions, QueryOptionsValidator>(QueryOptions.Section);
        builder.Services.AddSingleton<SandboxPool>();
        builder.Services.AddSingleton<QueryEngine>();
        builder.Services.AddSingleton<PiiReadLog>();
        builder.Services.AddErrorRedaction();
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>
    /// Internal endpoints: the analytics worker has no external endpoint in the AppHost, only the
    /// Api reaches it through service discovery, and each call carries the Api's service token.
    /// </summary>
    public static WebApplication MapEngineEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(AnalyticsRoutes.EngineVersion, async (DuckDbEngine duck, CancellationToken ct) =>
            TypedResults.Ok(new EngineVersion("duckdb", await duck.VersionAsync(ct), System.Diagnostics.Activity.Current?.TraceId.ToString())))
            .RequireAuthorization();
        app.MapQueryEndpoint();
        return app;
    }
}
