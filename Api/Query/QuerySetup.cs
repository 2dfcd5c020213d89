using Ductus.Core.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Api.Query;

public static class QuerySetup
{
    /// <summary>
    /// What the query endpoints run through: the result cache in Redis, and the runner that asks
    /// the analytics worker and shows its errors redacted.
    /// </summary>
    public static IHostApplicationBuilder AddQueryRunner(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<QueryCacheOptions>().Bind(builder.Configuration.GetSection(QueryCacheOptions.Section));
        builder.Services.AddSingleton(sp => new QueryCache(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<QueryCacheOptions>>().Value,
            sp.GetRequiredService<ILogger<QueryCache>>()));
        builder.Services.AddErrorRedaction();
        builder.Services.AddSingleton<Pii.PiiAccess>();
        builder.Services.AddTransient<QueryRunner>(); // transient: it holds a typed HttpClient
        return builder;
    }
}
