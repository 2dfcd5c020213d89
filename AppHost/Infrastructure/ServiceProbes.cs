using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.Hosting;

namespace Ductus.AppHost.Infrastructure;

/// <summary>
/// Health checks for the dashboard and <c>WaitFor</c>, and the same endpoints as deployment
/// probes: readiness <c>/health</c> (every dependency answers), liveness <c>/alive</c> (the
/// process answers).
/// </summary>
internal static class ServiceProbes
{
    public const string ReadinessType = "readiness";
    public const string LivenessType = "liveness";

    // ASPIREPROBES001: Aspire's probe annotations are marked for evaluation. They are what
    // Aspire's own Kubernetes and Container Apps publishers read, so Ductus records its probes
    // in that shape rather than in one of its own.
#pragma warning disable ASPIREPROBES001
    public static IResourceBuilder<ProjectResource> WithHealthProbes(this IResourceBuilder<ProjectResource> project)
    {
        ArgumentNullException.ThrowIfNull(project);
        var http = project.GetEndpoint("http");
        // WithHttpProbe would add a second health check on /health beside this one; the bare
        // annotations describe the deployment and leave the local stack exactly as it was.
        return project
            .WithHttpHealthCheck(HealthPaths.Ready)
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Readiness, EndpointReference = http, Path = HealthPaths.Ready })
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Liveness, EndpointReference = http, Path = HealthPaths.Alive })
            .WithManifestPublishingCallback(context => WriteProjectAsync(context, project.Resource));
    }

    /// <summary>
    /// Aspire 13.6's manifest publisher writes no probes at all, so a project is written as the
    /// publisher writes it (<c>project.v0</c>: path, args, env, bindings) plus a <c>probes</c>
    /// list, which the deployment files under <c>deploy/</c> are tested against. Tools that do
    /// not know the field (azd) ignore it.
    /// </summary>
    private static async Task WriteProjectAsync(ManifestPublishingContext context, ProjectResource project)
    {
        var metadata = project.Annotations.OfType<IProjectMetadata>().LastOrDefault()
            ?? throw new InvalidOperationException($"Project metadata was not found for resource '{project.Name}'.");
        var writer = context.Writer;
        writer.WriteString("type", "project.v0");
        writer.WriteString("path", context.GetManifestRelativePath(metadata.ProjectPath));
        await context.WriteCommandLineArgumentsAsync(project);
        await context.WriteEnvironmentVariablesAsync(project);
        context.WriteBindings(project);

        writer.WriteStartArray("probes");
        foreach (var probe in project.Annotations.OfType<EndpointProbeAnnotation>())
        {
            writer.WriteStartObject();
            writer.WriteString("type", probe.Type switch
            {
                ProbeType.Readiness => ReadinessType,
                ProbeType.Liveness => LivenessType,
                _ => probe.Type.ToString().ToLowerInvariant(),
            });
            writer.WriteString("endpoint", probe.EndpointReference.EndpointName);
            writer.WriteString("path", probe.Path);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
#pragma warning restore ASPIREPROBES001
}
