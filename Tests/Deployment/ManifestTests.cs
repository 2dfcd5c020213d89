using Ductus.Core;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace Ductus.Tests.Deployment;

/// <summary>
/// The published manifest describes the deployment, never the publishing machine: its paths
/// are container paths behind parameters, its secrets are secret parameters, its services have
/// probes, and publishing it writes nothing but the manifest.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Infrastructures => ["containers", "external"];

    private static readonly string[] Services = [Resources.Api, Resources.Analytics, Resources.Pipelines];

    [Theory]
    [MemberData(nameof(Infrastructures))]
    public async Task The_manifest_holds_no_path_of_the_publishing_machine(string infrastructure)
    {
        var published = await ManifestPublisher.For(infrastructure);
        var manifest = published.Manifest;
        var repository = Repository.Root;
        string[] machinePaths =
        [
            repository,
            // A manifest-relative path that climbs out of the output folder spells it without the root.
            repository.TrimStart('/'),
            published.Scratch,
            Path.GetTempPath().TrimEnd('/'),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            "/tmp/", "/var/tmp", "/root", "/home/",
        ];

        foreach (var (path, value) in manifest.Strings())
        {
            if (path.EndsWith(".path", StringComparison.Ordinal) && manifest.Projects.Any(p => path == $"$.resources.{p}.path"))
            {
                // The one place a path belongs: the project to build, relative to the manifest (as azd reads it).
                Assert.False(Path.IsPathRooted(value), $"{path} is absolute: {value}");
                continue;
            }

            foreach (var machinePath in machinePaths.Where(p => p.Length > 1))
            {
                Assert.False(value.Contains(machinePath, StringComparison.Ordinal), $"{path} = '{value}' holds '{machinePath}' of the publishing machine");
            }
        }

        foreach (var project in manifest.Projects)
        {
            var name = char.ToUpperInvariant(project[0]) + project[1..];
            Assert.Equal(Path.Combine(repository, name, name + ".csproj"), manifest.ProjectFile(project));
        }
    }

    [Fact]
    public async Task Publishing_writes_the_manifest_and_nothing_else()
    {
        foreach (var published in new[] { await ManifestPublisher.Containers, await ManifestPublisher.External })
        {
            // The local folders the command line named (data, lake, pipelines, sources) stay uncreated.
            Assert.Equal(["out", Path.Combine("out", ManifestPublisher.ManifestFile)], published.EntriesLeft);
            Assert.False(published.RepositoryDataFolderCreated, "publishing created .ductus/ in the repository");
            Assert.False(published.UserSecretsChanged, "publishing wrote the AppHost's user secrets");
        }
    }

    [Theory]
    [MemberData(nameof(Infrastructures))]
    public async Task Pipelines_and_analytics_share_one_lake_root_and_every_folder_defaults_to_its_container_path(string infrastructure)
    {
        var manifest = (await ManifestPublisher.For(infrastructure)).Manifest;
        var lake = manifest.Env(Resources.Pipelines)["Ductus__Lake__Root"];
        Assert.Equal(lake, manifest.Env(Resources.Analytics)["Ductus__Lake__Root"]);
        Assert.Equal(manifest.Env(Resources.Pipelines)["Ductus__Sources__Roots__0"], manifest.Env(Resources.Api)["Ductus__Sources__Roots__0"]);

        Assert.Equal("/data/lake", DefaultBehind(manifest, lake));
        Assert.Equal("/app/pipelines", DefaultBehind(manifest, manifest.Env(Resources.Pipelines)["Ductus__Pipelines__Folder"]));
        Assert.Equal("/data/sources", DefaultBehind(manifest, manifest.Env(Resources.Pipelines)["Ductus__Sources__Roots__0"]));
    }

    [Theory]
    [MemberData(nameof(Infrastructures))]
    public async Task Every_secret_reaches_the_services_through_a_secret_parameter(string infrastructure)
    {
        var manifest = (await ManifestPublisher.For(infrastructure)).Manifest;
        var checkedSecrets = 0;
        foreach (var resource in manifest.Projects.Concat(manifest.OfType("container.")))
        {
            foreach (var (name, value) in manifest.Env(resource).Where(e => DeploymentEnvironment.IsSecretName(e.Key)))
            {
                var behind = manifest.ParametersBehind(value);
                Assert.True(behind.Any(manifest.IsSecretParameter), $"{resource}: {name} = '{value}' rests on no secret parameter ({string.Join(", ", behind)})");
                checkedSecrets++;
            }
        }

        // Each service's database and cache connections, the Api's two keys.
        Assert.True(checkedSecrets >= 9, $"only {checkedSecrets} secret environment variables were found");
        foreach (var parameter in manifest.OfType("parameter.").Where(manifest.HasGeneratedDefault))
        {
            Assert.True(manifest.IsSecretParameter(parameter), $"the generated parameter {parameter} is not secret");
        }
    }

    [Theory]
    [MemberData(nameof(Infrastructures))]
    public async Task Every_service_has_readiness_and_liveness_probes_and_the_run_once_migrator_has_none(string infrastructure)
    {
        var manifest = (await ManifestPublisher.For(infrastructure)).Manifest;
        foreach (var service in Services)
        {
            var probes = manifest.Probes(service);
            Assert.Contains(new AspireManifest.Probe("readiness", "http", HealthPaths.Ready), probes);
            Assert.Contains(new AspireManifest.Probe("liveness", "http", HealthPaths.Alive), probes);
            Assert.True(manifest.Resource(service).GetProperty("bindings").TryGetProperty("http", out _), $"{service} has no http binding to probe");
        }

        // It exits when the schema is in place: nothing listens, nothing to probe.
        Assert.Empty(manifest.Probes(Resources.Migrator));
        Assert.False(manifest.Resource(Resources.Migrator).TryGetProperty("bindings", out _));
        Assert.Equal("{ductus.connectionString}", manifest.Env(Resources.Migrator)["ConnectionStrings__ductus"]);
    }

    [Theory]
    [MemberData(nameof(Infrastructures))]
    public async Task The_dashboards_metric_interval_stays_out_of_the_manifest(string infrastructure)
    {
        var manifest = (await ManifestPublisher.For(infrastructure)).Manifest;
        foreach (var resource in manifest.Resources.Keys.Where(r => manifest.Resource(r).TryGetProperty("env", out _)))
        {
            Assert.DoesNotContain("OTEL_METRIC_EXPORT_INTERVAL", manifest.Env(resource).Keys);
        }
    }

    [Fact]
    public async Task External_infrastructure_replaces_postgres_and_redis_with_secret_connection_string_parameters()
    {
        var manifest = (await ManifestPublisher.External).Manifest;
        Assert.Empty(manifest.OfType("container."));
        Assert.DoesNotContain(Resources.PostgresPassword, manifest.Resources.Keys);
        foreach (var connection in new[] { Resources.Database, Resources.Redis })
        {
            Assert.Equal("parameter.v0", manifest.TypeOf(connection));
            Assert.True(manifest.IsSecretParameter(connection));
            Assert.Equal($"{{{connection}.value}}", manifest.Resource(connection).GetProperty("connectionString").GetString());
            foreach (var service in Services)
            {
                Assert.Equal($"{{{connection}.connectionString}}", manifest.Env(service)[$"ConnectionStrings__{connection}"]);
            }
        }

        var containers = (await ManifestPublisher.Containers).Manifest;
        Assert.Equal(["postgres", "redis"], containers.OfType("container.").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Service_settings_given_to_the_apphost_reach_the_service_that_reads_them_and_no_other()
    {
        var manifest = (await ManifestPublisher.PublishAsync(
            "--Ductus:Query:MemoryLimit=512MB",
            "--Ductus:Pipelines:RunMemoryLimit=768MB",
            "--Ductus:Pipelines:Folder=/not/the/apphosts",
            "--Ductus:Ingest:MaxBodyBytes=1234")).Manifest;

        Assert.Equal("512MB", manifest.Env(Resources.Analytics)["Ductus__Query__MemoryLimit"]);
        Assert.Equal("768MB", manifest.Env(Resources.Pipelines)["Ductus__Pipelines__RunMemoryLimit"]);
        Assert.Equal("1234", manifest.Env(Resources.Api)["Ductus__Ingest__MaxBodyBytes"]);
        Assert.DoesNotContain("Ductus__Query__MemoryLimit", manifest.Env(Resources.Api).Keys);
        Assert.DoesNotContain("Ductus__Pipelines__RunMemoryLimit", manifest.Env(Resources.Analytics).Keys);
        // The folders the AppHost lays out stay its own.
        Assert.Equal("/app/pipelines", DefaultBehind(manifest, manifest.Env(Resources.Pipelines)["Ductus__Pipelines__Folder"]));
    }

    [Fact]
    public async Task The_alerts_freshness_grace_given_to_the_apphost_is_the_apis_freshness_tolerance_too()
    {
        var manifest = (await ManifestPublisher.PublishAsync("--Ductus:Alerts:FreshnessGrace=00:25:00")).Manifest;

        Assert.Equal("00:25:00", manifest.Env(Resources.Pipelines)["Ductus__Alerts__FreshnessGrace"]);
        Assert.Equal("00:25:00", manifest.Env(Resources.Api)["Ductus__FreshnessTolerance"]);
        Assert.DoesNotContain("Ductus__FreshnessTolerance", (await ManifestPublisher.Containers).Manifest.Env(Resources.Api).Keys);
    }

    [Fact]
    public async Task An_apphost_freshness_tolerance_other_than_the_alerts_grace_is_refused_naming_both()
    {
        var refused = await ManifestPublisher.RefusedAsync("--Ductus:Alerts:FreshnessGrace=00:25:00", "--Ductus:FreshnessTolerance=00:05:00");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Ductus:FreshnessTolerance is '00:05:00' but Ductus:Alerts:FreshnessGrace is '00:25:00'", refused.ToString(), StringComparison.Ordinal);
        // The same value under both names is one setting, and passes.
        var manifest = (await ManifestPublisher.PublishAsync("--Ductus:Alerts:FreshnessGrace=00:25:00", "--Ductus:FreshnessTolerance=00:25:00")).Manifest;
        Assert.Equal("00:25:00", manifest.Env(Resources.Api)["Ductus__FreshnessTolerance"]);
    }

    private static string? DefaultBehind(AspireManifest manifest, string expression)
    {
        var parameter = Assert.Single(manifest.ParametersBehind(expression));
        Assert.False(manifest.IsSecretParameter(parameter));
        return manifest.ParameterDefault(parameter);
    }
}
