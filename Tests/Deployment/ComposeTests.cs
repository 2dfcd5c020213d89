using System.Text.Json;
using Ductus.Core;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Deployment;

/// <summary>
/// deploy/compose.yaml is written by hand (no compose publisher is served for this Aspire
/// version), so it is held to the published manifest: the same services, images of the same
/// projects, the same environment variable names, one lake, the migrator run once first.
/// dclint checks it against the Compose Specification offline.
/// </summary>
public sealed class ComposeTests
{
    private static readonly Lazy<Task<JsonElement>> Compose = new(() => DeploymentEnvironment.CheckAsync("compose"));

    private static async Task<Dictionary<string, JsonElement>> ServicesAsync() =>
        (await Compose.Value).GetProperty("services").EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Env(JsonElement service) =>
        service.TryGetProperty("environment", out var env)
            ? env.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal)
            : [];

    [Fact]
    public async Task The_compose_file_passes_dclint_and_the_compose_specification()
    {
        var compose = await Compose.Value;
        Assert.Equal("ductus", compose.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Compose_runs_every_manifest_resource_from_the_same_image_or_project()
    {
        var manifest = (await ManifestPublisher.Containers).Manifest;
        var services = await ServicesAsync();
        foreach (var project in manifest.Projects)
        {
            Assert.True(services.TryGetValue(project, out var service), $"compose.yaml has no service {project}");
            var image = DeploymentEnvironment.Repository(service.GetProperty("image").GetString()!);
            Assert.Equal(DeploymentEnvironment.ContainerRepository(manifest.ProjectFile(project)), image);
        }

        foreach (var container in manifest.OfType("container."))
        {
            Assert.Equal(manifest.Resource(container).GetProperty("image").GetString(), services[container].GetProperty("image").GetString());
        }
    }

    [Fact]
    public async Task Compose_gives_each_service_the_manifests_environment_names_and_folders()
    {
        var manifest = (await ManifestPublisher.Containers).Manifest;
        var services = await ServicesAsync();
        foreach (var resource in manifest.Projects.Concat(manifest.OfType("container.")))
        {
            var expected = manifest.Env(resource);
            var given = Env(services[resource]);
            Assert.All(given.Keys, name => Assert.True(expected.ContainsKey(name), $"{resource}: {name} is not a variable of the manifest"));
            Assert.All(DeploymentEnvironment.RequiredNames(expected), name => Assert.True(given.ContainsKey(name), $"{resource}: compose.yaml lacks {name}"));
            foreach (var (name, value) in given)
            {
                if (DeploymentEnvironment.IsSecretName(name))
                {
                    Assert.True(value.Contains("${", StringComparison.Ordinal), $"{resource}: {name} is written in compose.yaml instead of coming from .env");
                }
                else if (manifest.ParametersBehind(expected[name]) is { Count: 1 } parameters && manifest.ParameterDefault(parameters.Single()) is { } folder)
                {
                    Assert.Equal(folder, value);
                }
            }
        }
    }

    [Fact]
    public async Task Pipelines_and_analytics_mount_one_lake_volume_at_the_manifests_lake_root()
    {
        var manifest = (await ManifestPublisher.Containers).Manifest;
        var lakeRoot = manifest.ParameterDefault(manifest.ParametersBehind(manifest.Env(Resources.Pipelines)["Ductus__Lake__Root"]).Single());
        var services = await ServicesAsync();
        var mounts = services.ToDictionary(
            s => s.Key,
            s => s.Value.TryGetProperty("volumes", out var v) ? v.EnumerateArray().Select(m => m.GetString()!).ToList() : [],
            StringComparer.Ordinal);

        Assert.Contains($"lake:{lakeRoot}", mounts[Resources.Pipelines]);
        Assert.Contains($"lake:{lakeRoot}", mounts[Resources.Analytics]);
        Assert.True((await Compose.Value).GetProperty("volumes").TryGetProperty("lake", out _), "the lake is not a named volume");
        Assert.Contains("../pipelines:/app/pipelines:ro", mounts[Resources.Pipelines].Select(m => m.Replace("${DUCTUS_PIPELINES:-../pipelines}", "../pipelines", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_service_waits_for_the_migrator_which_runs_once()
    {
        var manifest = (await ManifestPublisher.Containers).Manifest;
        var services = await ServicesAsync();
        Assert.Equal("no", services[Resources.Migrator].GetProperty("restart").GetString());
        Assert.Equal("service_healthy", services[Resources.Migrator].GetProperty("depends_on").GetProperty(Resources.Postgres).GetProperty("condition").GetString());
        foreach (var service in manifest.Projects.Where(p => p != Resources.Migrator))
        {
            var dependsOn = services[service].GetProperty("depends_on");
            Assert.Equal("service_completed_successfully", dependsOn.GetProperty(Resources.Migrator).GetProperty("condition").GetString());
            Assert.Equal("unless-stopped", services[service].GetProperty("restart").GetString());
            // Compose has one health check per container: the readiness probe.
            var readiness = manifest.Probes(service).Single(p => p.Type == "readiness").Path;
            Assert.Contains($"GET {readiness} ", services[service].GetProperty("healthcheck").GetProperty("test").ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Only_the_api_publishes_a_port_and_the_secrets_file_is_never_committed()
    {
        var services = await ServicesAsync();
        Assert.Equal([Resources.Api], services.Where(s => s.Value.TryGetProperty("ports", out _)).Select(s => s.Key));

        var ignored = await ExternalProcess.RunAsync(Repository.Root, "git", ["check-ignore", "deploy/.env", "deploy/kubernetes/secrets.env"]);
        Assert.True(ignored.ExitCode == 0, $"git does not ignore the secrets files: {ignored}");
        Assert.True(File.Exists(Path.Combine(DeploymentEnvironment.DeployFolder, ".env.example")));
    }
}
