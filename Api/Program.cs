using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Api.Clients;
using Ductus.Api.Features;
using Ductus.Api.Ingest;
using Ductus.Api.OpenApi;
using Ductus.Api.Query;
using Ductus.Api.Web;
using Ductus.Core.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(DuctusTelemetry.SourceNames);
builder.AddDataStores();
builder.AddDuctusSecurity();
builder.AddDuctusCatalog();
builder.AddDuctusIngest();
builder.AddAnalyticsClient();
builder.AddQueryRunner();
builder.AddApiEndpoints();
builder.AddOpenApiDocument();

var app = builder.Build();
app.UseCatalogOutageAnswers();
app.UseOpenApiDocument();
app.UseWebApp();
app.UseDuctusSecurity();
app.UseApiEndpoints();
app.MapDefaultEndpoints();
await app.RunAsync();
