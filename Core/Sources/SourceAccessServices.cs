using Ductus.Core.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ductus.Core.Sources;

public static class SourceAccessServices
{
    /// <summary>Configured source roots (<c>Ductus:Sources:Roots</c>, the <c>default</c> workspace's).</summary>
    public const string RootsKey = "Ductus:Sources:Roots";

    /// <summary>
    /// What each workspace's specs may reach: the source roots and <c>Ductus:Grants</c>, read the
    /// same way by the Api (which validates specs when they are saved) and by Pipelines (which
    /// validates them again and runs them). Without roots, the repository's <c>data/</c> folder.
    /// </summary>
    public static IServiceCollection AddSourceAccess(this IServiceCollection services)
    {
        services.AddValidatedOptions<SourceGrants, SourceGrantsValidator>(SourceGrants.Section);
        services.AddSingleton(sp =>
        {
            var roots = sp.GetRequiredService<IConfiguration>().GetSection(RootsKey).Get<string[]>();
            return new SourceAccess(
                roots is { Length: > 0 } ? roots.Select(Path.GetFullPath) : [SourceRoots.RepositoryDataFolder()],
                sp.GetRequiredService<IOptions<SourceGrants>>().Value);
        });
        return services;
    }
}
