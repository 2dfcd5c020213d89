using System.Globalization;
using Ductus.Core.Catalog;
using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// One setting for how long a run due at a schedule time may take before its dataset counts as
/// late: the alerts' <c>Ductus:Alerts:FreshnessGrace</c> (Pipelines) is also the Api's
/// <c>Ductus:FreshnessTolerance</c>, so the freshness badge and the alerts judge with one grace
/// (docs/operations.md, "Freshness alerts"). Pipelines gets the setting with the rest of
/// <c>Ductus:Alerts</c> (<see cref="AlertWebhookForwarding"/>).
/// </summary>
internal static class FreshnessGraceForwarding
{
    private const string Grace = "Ductus:Alerts:FreshnessGrace";

    private const string Tolerance = "Ductus:FreshnessTolerance";

    public static IResourceBuilder<ProjectResource> WithFreshnessGrace(this IResourceBuilder<ProjectResource> api, IConfiguration configuration)
    {
        var grace = configuration[Grace];
        var tolerance = configuration[Tolerance];
        // A tolerance of its own would make the badge and the alerts disagree: refused, not ignored.
        if (tolerance is not null && Parse(tolerance) != (grace is null ? Freshness.DefaultGrace : Parse(grace)))
        {
            throw new InvalidOperationException(
                $"{Tolerance} is '{tolerance}' but {Grace} is '{grace ?? $"unset ({Freshness.DefaultGrace})"}': set only {Grace}; the Api gets it as its tolerance.");
        }

        if (grace is not null)
        {
            api.WithEnvironment(Tolerance.Replace(":", "__", StringComparison.Ordinal), grace);
        }

        return api;
    }

    private static TimeSpan? Parse(string text) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : null;
}
