using Ductus.AppHost.Infrastructure;
using Ductus.Core;

var builder = DistributedApplication.CreateBuilder(args);

var request = InfrastructurePlan.ParseRequest(builder.Configuration["Ductus:Infrastructure"]);
var plan = InfrastructurePlan.Choose(request, MachineProbe.Probe(
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

// Applies the schema and exits; every service waits for it to complete.
var migrator = builder.AddProject<Projects.Migrator>(Resources.Migrator)
    .WithReference(infra.Database)
    .WaitFor(infra.DatabaseServer);

var analytics = builder.AddProject<Projects.Analytics>(Resources.Analytics)
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", lake)
    .WithHttpHealthCheck("/health");

var pipelines = builder.AddProject<Projects.Pipelines>(Resources.Pipelines)
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    .WithEnvironment("Ductus__Lake__Root", lake)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Api>(Resources.Api)
    .WithExternalHttpEndpoints()
    .WithReference(infra.Database)
    .WithReference(infra.Redis)
    .WithReference(analytics)
    .WaitFor(infra.Redis)
    .WaitForCompletion(migrator)
    // Runs are triggered through the catalog, not by calling pipelines, but the Api should not
    // accept work before the service that will execute it is up.
    .WaitFor(pipelines)
    .WithEnvironment("Ductus__Auth__AdminKey", adminKey)
    .WithEnvironment("Ductus__Auth__SigningKey", jwtSigningKey)
    .WithHttpHealthCheck("/health");

await builder.Build().RunAsync();
return 0;
