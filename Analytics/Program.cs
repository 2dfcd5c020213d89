using Ductus.Analytics;
using Ductus.Core.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(DuctusTelemetry.SourceNames);
builder.AddDataStores();
builder.AddQueryEngine();
builder.AddServiceTokenAuthentication();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapEngineEndpoints();
await app.RunAsync();
