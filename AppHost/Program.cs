using Ductus.AppHost.Infrastructure;
using Ductus.AppHost.Watch;
using Ductus.Core;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// A published manifest describes the deployment target (containers or managed services), not
// this machine, so publishing never probes for local binaries nor touches this machine's disk.
var request = InfrastructurePlan.ParseRequest(builder.Configuration["Ductus:Infrastructure"]);
var plan = builder.ExecutionContext.IsPublishMode
    ? InfrastructurePlan.ForPublishing(request)
    : InfrastructurePlan.Choose(request, MachineProbe.Probe(
        builder.Configuration["ASPIRE_CONTAINER_RUNTIME"],
        probeContainers: InfrastructurePlan.NeedsContainerProbe(request)));
if (!plan.IsPossible)
{
    await Console.Error.WriteLineAsync($"Ductus cannot start: {plan.Error}");
    return 1;
}

var infra = builder.AddDuctusInfrastructure(plan);
// A resource that fails while the stack starts stops the AppHost loudly; one that crashes later is restarted.
var crashDumps = builder.AddStackWatch(infra.DataDirectory);
ServiceFolders folders;
if (builder.ExecutionContext.IsPublishMode)
{
    folders = ServiceFolders.AsDeploymentParameters(builder);
}
else
{
    var local = LocalFolders.Resolve(builder, infra.DataDirectory!);
    StackFile.WriteWhenReady(builder, infra, infra.DataDirectory!, local.Lake);
    folders = local.ForServices();

    // The demo pipelines in pipelines/ read real public data (npm vega-datasets). Fetching it is a
    // step of its own that nothing waits for: the Pipelines service loads the demo specs once their
    // files exist (it rescans every minute), and a machine without npm still runs the stack.
    if (builder.Configuration.GetValue("Ductus:DemoData", true)
        && !File.Exists(Path.Combine(local.Sources, "vega", "flights-3m.parquet"))
        && File.Exists(Path.Combine(local.Repository, "scripts", "fetch-demo-data.sh")))
    {
        builder.AddExecutable("demo-data", "bash", local.Repository, "scripts/fetch-demo-data.sh")
            .WithAnnotation(new OptionalStepAnnotation())
            .ExcludeFromManifest();
    }
}

// The bootstrap admin client's secret: generated once, kept in the AppHost's user secrets,
// shown in the dashboard's parameter view.
var adminKey = GeneratedSecret(Resources.AdminKey, 32);

// Signs the Api's bearer tokens. Persisted like admin-key so tokens survive an Api restart;
// changing it invalidates every token issued before.
var jwtSigningKey = GeneratedSecret(Resources.JwtSigningKey, 64);

// Signs the token the Api puts on each call to the analytics worker, which takes the workspace
// from it; only these two services get it.
var serviceTokenKey = GeneratedSecret(Resources.ServiceTokenKey, 64);

// The bearer token a Prometheus outside Ductus:Metrics:AllowedNetworks sends to /metrics on every
// service; generated and persisted like the keys above.
var scrapeToken = GeneratedSecret(Resources.MetricsScrapeToken, 32);

// Applies the schema and exits; every service waits for it to complete. A deployment runs it
// as a run-once step the services wait for too (docs/deploy.md: compose, Kubernetes, Container Apps).
var migrator = builder.AddProject<Projects.Migrator>(Resources.Migrator)
    .WithCrashDumpsIn(crashDumps)
    .WithReference(infra.Database)
    .WaitForDatabaseServer(infra);

// Pipelines write the lake and analytics reads it: both are given the same folder (one shared
// volume in a deployment).
var analytics = builder.AddProject<Projects.Analytics>(Resources.Analytics)
    .WithServiceSettings(builder.Configuration)
    .WithCrashDumpsIn(crashDumps)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithDatabaseAndCache(infra)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", folders.LakeRoot)
    .WithEnvironment("Ductus__ServiceToken__SigningKey", serviceTokenKey)
    .WithMetricsAccess(scrapeToken, builder.Configuration)
    .WithHealthProbes();

var pipelines = builder.AddProject<Projects.Pipelines>(Resources.Pipelines)
    .WithServiceSettings(builder.Configuration)
    .WithCrashDumpsIn(crashDumps)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithDatabaseAndCache(infra)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", folders.LakeRoot)
    .WithEnvironment("Ductus__Pipelines__Folder", folders.PipelinesFolder)
    .WithEnvironment("Ductus__Sources__Roots__0", folders.SourceRoot)
    .WithSourceGrants(builder.Configuration)
    .WithMetricsAccess(scrapeToken, builder.Configuration)
    // Optional: alert webhooks, when the AppHost's configuration names one; each signed with a secret parameter.
    .WithAlertWebhooks(builder)
    .WithHealthProbes();

builder.AddProject<Projects.Api>(Resources.Api)
    .WithServiceSettings(builder.Configuration)
    .WithCrashDumpsIn(crashDumps)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithExternalHttpEndpoints()
    .WithDatabaseAndCache(infra)
    .WithReference(analytics)
    .WaitForCompletion(migrator)
    // Runs are triggered through the catalog, not by calling pipelines, but the Api should not
    // accept work before the service that will execute it is up.
    .WaitFor(pipelines)
    .WithEnvironment("Ductus__Sources__Roots__0", folders.SourceRoot)
    .WithSourceGrants(builder.Configuration)
    .WithEnvironment("Ductus__Auth__AdminKey", adminKey)
    .WithEnvironment("Ductus__Auth__SigningKey", jwtSigningKey)
    .WithEnvironment("Ductus__ServiceToken__SigningKey", serviceTokenKey)
    // The alerts' grace is the freshness badge's tolerance: one setting for both.
    .WithFreshnessGrace(builder.Configuration)
    // Optional: sign-in through an external OIDC issuer, when the AppHost's configuration names one.
    .WithExternalIssuer(builder)
    .WithMetricsAccess(scrapeToken, builder.Configuration)
    .WithHealthProbes();

var app = builder.Build();
if (builder.ExecutionContext.IsRunMode && builder.Environment.EnvironmentName == "Development")
{
    // The operator needs this key to get the first token; it lives in the AppHost's user secrets.
    var key = await adminKey.Resource.GetValueAsync(CancellationToken.None);
    Console.WriteLine($"Ductus ({plan.Mode} infrastructure, data in {infra.DataDirectory})");
    Console.WriteLine($"  API:         http://localhost:5180  (reference: http://localhost:5180/docs)");
    Console.WriteLine($"  Admin key:   client_id=admin client_secret={key}");
    Console.WriteLine("               (parameter 'admin-key': dashboard → Parameters, or `dotnet user-secrets list --project AppHost`)");
}

return await app.RunWatchedAsync();

// A secret the AppHost makes up once and keeps in its user secrets (a deployment input when published).
IResourceBuilder<ParameterResource> GeneratedSecret(string name, int minLength) =>
    builder.AddParameter(name, new GenerateParameterDefault { MinLength = minLength, Special = false }, secret: true, persist: true);
