using Ductus.Core.Telemetry;
using Ductus.Pipelines;
using Ductus.Pipelines.Runs;
using Ductus.Pipelines.Scheduling;

if (PipelinesCli.Handles(args))
{
    return await PipelinesCli.RunInConsoleAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(DuctusTelemetry.SourceNames);
builder.AddDataStores();
builder.AddPipelineRunner();
builder.AddScheduling();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
