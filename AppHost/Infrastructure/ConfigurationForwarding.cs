using Ductus.Core;
using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// How settings given to the AppHost (its appsettings, user secrets, command line) reach the
/// services: as environment variables, the same way a deployment sets them. So one command
/// configures the whole stack, e.g. <c>dotnet run --project AppHost -- --Ductus:Query:MemoryLimit=512MB</c>.
/// </summary>
internal static class ConfigurationForwarding
{
    /// <summary>The service settings each service reads and the AppHost passes on whole; none of them holds a secret.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ServiceSections = new Dictionary<string, string[]>
    {
        [Resources.Analytics] = ["Ductus:Query"],
        [Resources.Pipelines] = ["Ductus:Pipelines", "Ductus:Retention", "Ductus:Egress"],
        [Resources.Api] = ["Ductus:Api", "Ductus:RateLimit", "Ductus:Ingest", "Ductus:QueryCache"],
    };

    /// <summary>
    /// Passes the settings under <paramref name="section"/> on, those <paramref name="forward"/> keeps
    /// (all when null). Call it before the AppHost sets a variable of its own in that section: a later
    /// <c>WithEnvironment</c> of the same name wins, so the AppHost's folders and keys stay its own.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSettings(
        this IResourceBuilder<ProjectResource> project, IConfiguration configuration, string section, Func<string, bool>? forward = null)
    {
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
        {
            if (value is not null && (forward is null || forward(key)))
            {
                project.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return project;
    }

    /// <summary>Passes on the sections <see cref="ServiceSections"/> names for this service.</summary>
    public static IResourceBuilder<ProjectResource> WithServiceSettings(this IResourceBuilder<ProjectResource> project, IConfiguration configuration)
    {
        foreach (var section in ServiceSections.GetValueOrDefault(project.Resource.Name, []))
        {
            project.WithSettings(configuration, section);
        }

        return project;
    }
}
