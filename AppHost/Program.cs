using Microsoft.Extensions.Configuration;
using Ductus.AppHost.Infrastructure;
using Ductus.Core;

var builder = DistributedApplication.CreateBuilder(args);

// A published manifest describes the deployment target (containers / managed services), not
// this machine, so publishing never probes for local binaries.
var request = InfrastructurePlan.ParseRequest(builder.Configuration["Ductus:Infrastructure"]);
var plan = builder.ExecutionContext.IsPublishMode
    ? new InfrastructurePlan(InfrastructureMode.Containers, null)
    : InfrastructurePlan.Choose(request, MachineProbe.Probe(
        builder.Configuration["ASPIRE_CONTAINER_RUNTIME"],
        probeContainers: request != InfrastructureRequest.Local));
if (!plan.IsPossible)
{
    await Console.Error.WriteLineAsync($"Ductus cannot start: {plan.Error}");
    return 1;
}

var infra = builder.AddDuctusInfrastructure(plan);
var lake = Path.GetFullPath(builder.Configuration["Ductus:LakeRoot"] ?? Path.Combine(infra.DataDirectory, "lake"));
Directory.CreateDirectory(lake);
StackFile.WriteWhenReady(builder, infra, lake);
var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
// Spec files the Pipelines service keeps in step with the catalog, and where local sources may be read from.
var pipelinesFolder = Path.GetFullPath(builder.Configuration["Ductus:PipelinesFolder"] ?? Path.Combine(repository, "pipelines"));
var sourceRoot = Path.GetFullPath(builder.Configuration["Ductus:SourceRoot"] ?? Path.Combine(repository, "data"));

// The demo pipelines in pipelines/ read real public data (npm vega-datasets). Fetching it is a
// step of its own that nothing waits for: the Pipelines service loads the demo specs once their
// files exist (it rescans every minute), and a machine without npm still runs the stack.
if (builder.Configuration.GetValue("Ductus:DemoData", true)
    && !File.Exists(Path.Combine(sourceRoot, "vega", "flights-3m.parquet"))
    && File.Exists(Path.Combine(repository, "scripts", "fetch-demo-data.sh")))
{
    builder.AddExecutable("demo-data", "bash", repository, "scripts/fetch-demo-data.sh").ExcludeFromManifest();
}

// The bootstrap admin client's secret: generated once, kept in the AppHost's user secrets,
// shown in the dashboard's parameter view.
var adminKey = builder.AddParameter(
    Resources.AdminKey,
    new GenerateParameterDefault { MinLength = 32, Special = false },
    secret: true,
    persist: true);

// Signs the Api's bearer tokens. Persisted like admin-key so tokens survive an Api restart;
// changing it invalidates every token issued before.
var jwtSigningKey = builder.AddParameter(
    Resources.JwtSigningKey,
    new GenerateParameterDefault { MinLength = 64, Special = false },
    secret: true,
    persist: true);

// Signs the token the Api puts on each call to the analytics worker, which takes the workspace
// from it; only these two services get it.
var serviceTokenKey = builder.AddParameter(
    Resources.ServiceTokenKey,
    new GenerateParameterDefault { MinLength = 64, Special = false },
    secret: true,
    persist: true);

// Applies the schema and exits; every service waits for it to complete.
var migrator = builder.AddProject<Projects.Migrator>(Resources.Migrator)
    .WithReference(infra.Database)
    .WaitFor(infra.DatabaseServer);

var analytics = builder.AddProject<Projects.Analytics>(Resources.Analytics)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", lake)
    .WithEnvironment("Ductus__ServiceToken__SigningKey", serviceTokenKey)
    .WithHttpHealthCheck("/health");

var pipelines = builder.AddProject<Projects.Pipelines>(Resources.Pipelines)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", lake)
    .WithEnvironment("Ductus__Pipelines__Folder", pipelinesFolder)
    .WithEnvironment("Ductus__Sources__Roots__0", sourceRoot)
    .WithSourceGrants(builder.Configuration)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Api>(Resources.Api)
    .WithMetricsEvery(ServiceTelemetry.MetricsInterval)
    .WithExternalHttpEndpoints()
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WithReference(analytics)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    // Runs are triggered through the catalog, not by calling pipelines, but the Api should not
    // accept work before the service that will execute it is up.
    .WaitFor(pipelines)
    .WithEnvironment("Ductus__Sources__Roots__0", sourceRoot)
    .WithSourceGrants(builder.Configuration)
    .WithEnvironment("Ductus__Auth__AdminKey", adminKey)
    .WithEnvironment("Ductus__Auth__SigningKey", jwtSigningKey)
    .WithEnvironment("Ductus__ServiceToken__SigningKey", serviceTokenKey)
    .WithHttpHealthCheck("/health");

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

await app.RunAsync();
return 0;
