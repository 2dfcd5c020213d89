using System.Text.Json;
using Ductus.Core;

namespace Ductus.Tests.Deployment;

/// <summary>
/// The Container Apps templates under deploy/azure/ (no offline schema of that API exists, so
/// they are only parsed) held to the manifest published with managed PostgreSQL and Redis:
/// the same variable names, secrets by the parameter names, probes, the lake share mounted at
/// the lake root in pipelines and analytics, the schema waited for first.
/// </summary>
public sealed class ContainerAppsTests
{
    private static readonly Lazy<Task<JsonElement>> Templates = new(() => DeploymentEnvironment.CheckAsync("azure"));

    private static readonly string[] Services = [Resources.Api, Resources.Analytics, Resources.Pipelines];

    private static async Task<JsonElement> TemplateAsync(string service)
    {
        Assert.True((await Templates.Value).TryGetProperty(service + ".yaml", out var app), $"deploy/azure has no {service}.yaml");
        Assert.Equal(service, app.GetProperty("name").GetString());
        return app.GetProperty("properties");
    }

    [Fact]
    public async Task Each_app_carries_the_manifests_variables_with_secrets_under_the_parameter_names()
    {
        var manifest = (await ManifestPublisher.External).Manifest;
        foreach (var service in Services)
        {
            var app = await TemplateAsync(service);
            var secrets = app.GetProperty("configuration").GetProperty("secrets").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet();
            var container = Assert.Single(app.GetProperty("template").GetProperty("containers").EnumerateArray());
            var given = container.GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e, StringComparer.Ordinal);
            var expected = manifest.Env(service);
            Assert.All(given.Keys, name => Assert.True(expected.ContainsKey(name), $"{service}: {name} is not a variable of the manifest"));
            Assert.All(DeploymentEnvironment.RequiredNames(expected), name => Assert.True(given.ContainsKey(name), $"{service}: the template lacks {name}"));
            foreach (var (name, env) in given)
            {
                var parameters = manifest.ParametersBehind(expected[name]);
                if (parameters.Any(manifest.IsSecretParameter))
                {
                    Assert.Equal(Assert.Single(parameters), env.GetProperty("secretRef").GetString());
                    Assert.Contains(env.GetProperty("secretRef").GetString(), secrets);
                }
                else if (parameters.Count == 1 && manifest.ParameterDefault(parameters.Single()) is { } folder)
                {
                    Assert.Equal(folder, env.GetProperty("value").GetString());
                }
            }

            var probes = container.GetProperty("probes").EnumerateArray().ToDictionary(p => p.GetProperty("type").GetString()!.ToLowerInvariant(), p => p.GetProperty("httpGet").GetProperty("path").GetString());
            foreach (var probe in manifest.Probes(service))
            {
                Assert.Equal(probe.Path, probes[probe.Type]);
            }

            var init = Assert.Single(app.GetProperty("template").GetProperty("initContainers").EnumerateArray());
            Assert.EndsWith("/ductus/migrator:${DUCTUS_TAG}", init.GetProperty("image").GetString(), StringComparison.Ordinal);
            Assert.Equal("wait", init.GetProperty("args")[0].GetString());
        }

        Assert.True((await TemplateAsync(Resources.Api)).GetProperty("configuration").GetProperty("ingress").GetProperty("external").GetBoolean());
        Assert.False((await TemplateAsync(Resources.Analytics)).GetProperty("configuration").GetProperty("ingress").GetProperty("external").GetBoolean());
    }

    [Fact]
    public async Task Pipelines_and_analytics_mount_the_lake_share_at_the_lake_root()
    {
        var manifest = (await ManifestPublisher.External).Manifest;
        var lakeRoot = manifest.ParameterDefault(manifest.ParametersBehind(manifest.Env(Resources.Pipelines)["Ductus__Lake__Root"]).Single());
        foreach (var service in new[] { Resources.Pipelines, Resources.Analytics })
        {
            var template = (await TemplateAsync(service)).GetProperty("template");
            var volume = Assert.Single(template.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("storageName").GetString() == "lake");
            Assert.Equal("NfsAzureFile", volume.GetProperty("storageType").GetString());
            var mount = Assert.Single(template.GetProperty("containers")[0].GetProperty("volumeMounts").EnumerateArray(),
                m => m.GetProperty("volumeName").GetString() == volume.GetProperty("name").GetString());
            Assert.Equal(lakeRoot, mount.GetProperty("mountPath").GetString());
        }
    }
}
