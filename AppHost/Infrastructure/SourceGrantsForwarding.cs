using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>How the grants of secrets, connections and source roots reach the services.</summary>
internal static class SourceGrantsForwarding
{
    /// <summary>The section both services read (<c>Ductus.Core.Sources.SourceGrants.Section</c>).</summary>
    private const string Section = "Ductus:Grants";

    /// <summary>
    /// Passes the AppHost's <c>Ductus:Grants</c> section on as it is: the Api checks specs against
    /// the grants when they are saved and Pipelines again when they run, so both must read the same
    /// grants. Grants name secrets and hosts, never their values, which stay with Pipelines.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSourceGrants(this IResourceBuilder<ProjectResource> project, IConfiguration configuration) =>
        project.WithSettings(configuration, Section);
}
