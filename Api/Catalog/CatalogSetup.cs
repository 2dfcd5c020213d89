using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;

namespace Ductus.Api.Catalog;

public static class CatalogSetup
{
    /// <summary>The catalog stores, what specs are validated against (each workspace's roots and grants), and run notifications.</summary>
    public static IHostApplicationBuilder AddDuctusCatalog(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CatalogOptions>()
            .Bind(builder.Configuration.GetSection(CatalogOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();
        builder.AddSourceAccess();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton(sp => new RejectStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<RunNotifier>();
        return builder;
    }
}
