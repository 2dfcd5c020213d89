using System.Text.Json;
using Ductus.Core;

namespace Ductus.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/ checked offline: every object against the Kubernetes schemas
/// (kubernetes-models), and held to the manifest published with managed PostgreSQL and Redis
/// (<c>Ductus:Infrastructure=external</c>): the same services and variable names, secrets by
/// the parameter names, one lake claim, probes, and the schema in place before any service.
/// </summary>
public sealed class KubernetesTests
{
    private const string SecretName = "ductus";

    private static readonly Lazy<Task<JsonElement>> Checked = new(() => DeploymentEnvironment.CheckAsync("kubernetes"));

    private static async Task<List<JsonElement>> ObjectsAsync() =>
        [.. (await Checked.Value).GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("object"))];

    private static async Task<JsonElement> ObjectAsync(string kind, string name) =>
        Assert.Single(await ObjectsAsync(), o => o.GetProperty("kind").GetString() == kind && o.GetProperty("metadata").GetProperty("name").GetString() == name);

    private static JsonElement PodSpec(JsonElement workload) => workload.GetProperty("spec").GetProperty("template").GetProperty("spec");

    private static JsonElement MainContainer(JsonElement deployment, string name) =>
        Assert.Single(PodSpec(deployment).GetProperty("containers").EnumerateArray(), c => c.GetProperty("name").GetString() == name);

    private static Dictionary<string, JsonElement> Env(JsonElement container) =>
        container.TryGetProperty("env", out var env)
            ? env.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e, StringComparer.Ordinal)
            : [];

    private static readonly string[] Services = [Resources.Api, Resources.Analytics, Resources.Pipelines];

    [Fact]
    public async Task Every_object_validates_against_the_kubernetes_schemas()
    {
        var kinds = (await ObjectsAsync()).Select(o => $"{o.GetProperty("kind").GetString()}/{o.GetProperty("metadata").GetProperty("name").GetString()}").ToList();
        foreach (var expected in new[] { "Deployment/api", "Deployment/analytics", "Deployment/pipelines", "Job/ductus-migrate", "PersistentVolumeClaim/ductus-lake", "Service/api", "Service/analytics", "Ingress/api", "Secret/ductus" })
        {
            Assert.Contains(expected, kinds);
        }
    }

    [Fact]
    public async Task Each_service_is_a_deployment_of_its_projects_image_with_the_manifests_probes_and_resource_requests()
    {
        var published = await ManifestPublisher.External;
        var manifest = published.Manifest;
        var images = (await Checked.Value).GetProperty("kustomization").GetProperty("images").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(Services.Order(StringComparer.Ordinal), manifest.Projects.Where(p => p != Resources.Migrator).Order(StringComparer.Ordinal));
        foreach (var service in Services)
        {
            var container = MainContainer(await ObjectAsync("Deployment", service), service);
            var image = container.GetProperty("image").GetString()!;
            Assert.Equal(DeploymentEnvironment.ContainerRepository(manifest.ProjectFile(service)), image);
            Assert.Contains(image, images);

            var http = Assert.Single(container.GetProperty("ports").EnumerateArray(), p => p.GetProperty("name").GetString() == "http");
            Assert.Equal(http.GetProperty("containerPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), Env(container)["HTTP_PORTS"].GetProperty("value").GetString());
            foreach (var (probe, field) in new[] { ("readiness", "readinessProbe"), ("liveness", "livenessProbe") })
            {
                var expected = manifest.Probes(service).Single(p => p.Type == probe);
                var get = container.GetProperty(field).GetProperty("httpGet");
                Assert.Equal(expected.Path, get.GetProperty("path").GetString());
                Assert.Equal(expected.Endpoint, get.GetProperty("port").GetString());
            }

            var requests = container.GetProperty("resources").GetProperty("requests");
            Assert.True(requests.TryGetProperty("cpu", out _) && requests.TryGetProperty("memory", out _), $"{service} requests no cpu and memory");
        }
    }

    [Fact]
    public async Task Deployments_carry_the_manifests_variables_with_secrets_from_the_secret_under_the_parameter_names()
    {
        var manifest = (await ManifestPublisher.External).Manifest;
        var secret = await ObjectAsync("Secret", SecretName);
        var secretKeys = secret.GetProperty("data").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var service in Services)
        {
            var expected = manifest.Env(service);
            var given = Env(MainContainer(await ObjectAsync("Deployment", service), service));
            Assert.All(given.Keys, name => Assert.True(expected.ContainsKey(name), $"{service}: {name} is not a variable of the manifest"));
            Assert.All(DeploymentEnvironment.RequiredNames(expected), name => Assert.True(given.ContainsKey(name), $"{service}: the Deployment lacks {name}"));
            foreach (var (name, env) in given)
            {
                var parameters = manifest.ParametersBehind(expected[name]);
                if (parameters.Any(manifest.IsSecretParameter))
                {
                    var reference = env.GetProperty("valueFrom").GetProperty("secretKeyRef");
                    Assert.Equal(SecretName, reference.GetProperty("name").GetString());
                    Assert.Equal(Assert.Single(parameters), reference.GetProperty("key").GetString());
                    Assert.Contains(reference.GetProperty("key").GetString()!, secretKeys);
                }
                else if (parameters.Count == 1 && manifest.ParameterDefault(parameters.Single()) is { } folder)
                {
                    Assert.Equal(folder, env.GetProperty("value").GetString());
                }
            }
        }

        var analytics = await ObjectAsync("Service", Resources.Analytics);
        var port = analytics.GetProperty("spec").GetProperty("ports")[0].GetProperty("port").GetInt32();
        var api = Env(MainContainer(await ObjectAsync("Deployment", Resources.Api), Resources.Api));
        Assert.Equal($"http://{Resources.Analytics}:{port}", api["services__analytics__http__0"].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Pipelines_and_analytics_mount_the_one_read_write_many_lake_claim_at_the_lake_root()
    {
        var manifest = (await ManifestPublisher.External).Manifest;
        var lakeRoot = manifest.ParameterDefault(manifest.ParametersBehind(manifest.Env(Resources.Analytics)["Ductus__Lake__Root"]).Single());
        var claim = await ObjectAsync("PersistentVolumeClaim", "ductus-lake");
        Assert.Equal(["ReadWriteMany"], claim.GetProperty("spec").GetProperty("accessModes").EnumerateArray().Select(m => m.GetString()));

        foreach (var service in new[] { Resources.Pipelines, Resources.Analytics })
        {
            var deployment = await ObjectAsync("Deployment", service);
            var volume = Assert.Single(PodSpec(deployment).GetProperty("volumes").EnumerateArray(),
                v => v.TryGetProperty("persistentVolumeClaim", out var c) && c.GetProperty("claimName").GetString() == "ductus-lake");
            var mount = Assert.Single(MainContainer(deployment, service).GetProperty("volumeMounts").EnumerateArray(),
                m => m.GetProperty("name").GetString() == volume.GetProperty("name").GetString());
            Assert.Equal(lakeRoot, mount.GetProperty("mountPath").GetString());
            Assert.False(mount.TryGetProperty("readOnly", out var readOnly) && readOnly.GetBoolean(), $"{service} mounts the lake read-only");
        }
    }

    [Fact]
    public async Task The_migrator_runs_as_a_job_and_every_pod_first_waits_for_the_schema()
    {
        var job = await ObjectAsync("Job", "ductus-migrate");
        var migrator = Assert.Single(PodSpec(job).GetProperty("containers").EnumerateArray());
        Assert.Equal("ductus/migrator", migrator.GetProperty("image").GetString());
        Assert.Equal("Never", PodSpec(job).GetProperty("restartPolicy").GetString());
        Assert.False(migrator.TryGetProperty("args", out _), "the Job must run the migrations, not wait for them");

        foreach (var service in Services)
        {
            var init = Assert.Single(PodSpec(await ObjectAsync("Deployment", service)).GetProperty("initContainers").EnumerateArray());
            Assert.Equal("ductus/migrator", init.GetProperty("image").GetString());
            Assert.Equal("wait", init.GetProperty("args")[0].GetString());
            Assert.Equal(Resources.Database, Env(init)["ConnectionStrings__ductus"].GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("key").GetString());
        }
    }

    [Fact]
    public async Task The_api_is_reached_through_its_service_behind_a_tls_ingress()
    {
        var service = await ObjectAsync("Service", Resources.Api);
        Assert.Equal(Resources.Api, service.GetProperty("spec").GetProperty("selector").GetProperty("app.kubernetes.io/name").GetString());
        Assert.Equal("http", service.GetProperty("spec").GetProperty("ports")[0].GetProperty("targetPort").GetString());

        var ingress = await ObjectAsync("Ingress", Resources.Api);
        Assert.NotEmpty(ingress.GetProperty("spec").GetProperty("tls").EnumerateArray());
        var backend = ingress.GetProperty("spec").GetProperty("rules")[0].GetProperty("http").GetProperty("paths")[0].GetProperty("backend").GetProperty("service");
        Assert.Equal(Resources.Api, backend.GetProperty("name").GetString());

        // Only the Api is exposed: the workers have no Ingress, pipelines not even a Service.
        Assert.Single(await ObjectsAsync(), o => o.GetProperty("kind").GetString() == "Ingress");
        Assert.DoesNotContain(await ObjectsAsync(), o => o.GetProperty("kind").GetString() == "Service" && o.GetProperty("metadata").GetProperty("name").GetString() == Resources.Pipelines);
    }
}
