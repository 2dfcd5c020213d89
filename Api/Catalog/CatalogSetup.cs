using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Catalog;

public static class CatalogSetup
{
    /// <summary>The catalog stores, the source roots specs are validated against, and run notifications.</summary>
    public static IHostApplicationBuilder AddDuctusCatalog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CatalogOptions>()
            .Bind(builder.Configuration.GetSection(CatalogOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();
        builder.Services.AddSingleton(sp =>
        {
            var roots = sp.GetRequiredService<IOptions<CatalogOptions>>().Value.Sources.Roots;
            return new SourceRoots(roots.Count == 0 ? [SourceRoots.RepositoryDataFolder()] : roots);
        });
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton(sp => new RejectStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<RunNotifier>();
        return builder;
    }
}
