using Ductus.Core;
using Ductus.Pipelines.Runs;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Alerts;

public static class AlertSetup
{
    /// <summary>
    /// Alerts: the webhooks and their secrets (validated at start), the sender, run alerts and the
    /// freshness check's breaches. The check itself is scheduled with the cluster's other jobs
    /// (<c>QuartzSetup</c>).
    /// </summary>
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<AlertOptions, AlertOptionsValidator>(AlertOptions.Section);
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental, but the only way to opt one client out of the defaults.
        services.AddHttpClient<AlertSender>()
            // The sender retries and records each attempt itself; a hidden retry inside one
            // attempt would make the record lie. Each attempt's timeout is AttemptTimeout.
            .RemoveAllResilienceHandlers()
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddTypedClient((http, sp) => new AlertSender(
                http,
                sp.GetRequiredService<IOptions<AlertOptions>>(),
                sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<AlertSender>>()));
#pragma warning restore EXTEXP0001
        services.AddSingleton<RunAlerts>();
        services.AddSingleton(sp => new FreshnessBreaches(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
        return builder;
    }
}
