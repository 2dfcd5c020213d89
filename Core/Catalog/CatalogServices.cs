using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Ductus.Core.Catalog;

public static class CatalogServices
{
    /// <summary>
    /// The <see cref="CatalogStore"/> over the registered data source. Its version tokens live in
    /// Redis because every service caches catalog reads and any of them may commit a change
    /// (<see cref="RedisCatalogVersions"/>); the Redis connection is the service's to register.
    /// </summary>
    public static IServiceCollection AddCatalogStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICatalogVersions, RedisCatalogVersions>();
        services.TryAddSingleton(sp => new CatalogStore(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ICatalogVersions>()));
        return services;
    }
}
