using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Sources;

namespace Ductus.Api.Catalog;

public static class CatalogSetup
{
    /// <summary>The catalog stores, what specs are validated against (each workspace's roots and grants), run notifications, and the cached dataset list response.</summary>
    public static IHostApplicationBuilder AddDuctusCatalog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<CatalogOptions, CatalogOptionsValidator>(CatalogOptions.Section);
        builder.Services.AddSourceAccess();
        builder.Services.AddCatalogStore();
        builder.Services.AddSingleton(sp => new RejectStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new RejectRuleStats(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
        builder.Services.AddSingleton<RunNotifier>();
        builder.Services.AddSingleton<Features.Datasets.List.DatasetListResponses>();
        return builder;
    }
}
