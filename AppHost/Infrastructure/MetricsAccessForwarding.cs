using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// Who may scrape each service's <c>/metrics</c>: the scrape token (a secret parameter) and the
/// networks that need none (<c>Ductus:Metrics:AllowedNetworks</c> in the AppHost's configuration,
/// loopback when unset), given to every service alike so one Prometheus job scrapes them all.
/// </summary>
internal static class MetricsAccessForwarding
{
    private const string NetworksSection = "Ductus:Metrics:AllowedNetworks";

    public static IResourceBuilder<ProjectResource> WithMetricsAccess(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<ParameterResource> scrapeToken, IConfiguration configuration)
    {
        project.WithEnvironment("Ductus__Metrics__ScrapeToken", scrapeToken);
        return project.WithSettings(configuration, NetworksSection);
    }
}
