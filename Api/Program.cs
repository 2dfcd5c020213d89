using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Api.Clients;
using Ductus.Core;
using Ductus.Core.Catalog;
using FastEndpoints;
using FastEndpoints.Swagger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// The Api acts as ductus_app (no BYPASSRLS), so the workspace policies hold even for a query
// that forgets its workspace filter.
builder.AddNpgsqlDataSource(Resources.Database, settings =>
    settings.ConnectionString = settings.ConnectionString is null ? null : CatalogRole.Adopt(settings.ConnectionString));
builder.AddRedisClient(Resources.Redis);
builder.AddDuctusSecurity();
builder.AddDuctusCatalog();

// "analytics" resolves through Aspire service discovery to a replica of the analytics worker.
builder.Services.AddHttpClient<AnalyticsClient>(client => client.BaseAddress = new Uri($"http://{Resources.Analytics}"));

builder.Services.AddFastEndpoints();
builder.Services.SwaggerDocument(doc =>
{
    doc.DocumentSettings = settings =>
    {
        settings.DocumentName = "v1";
        settings.Title = "Ductus API";
        settings.Version = "v1";
    };
    doc.RemoveEmptyRequestSchema = true;
});

var app = builder.Build();
// The document and its viewer are public (they describe the API, they do not use it), so they
// are served ahead of authentication.
app.UseSwaggerGen(
    doc => doc.Path = "/openapi/{documentName}.json",
    ui =>
    {
        ui.Path = "/docs";
        ui.DocumentPath = "/openapi/{documentName}.json";
    });
app.UseDuctusSecurity();
app.UseFastEndpoints(config =>
{
    config.Errors.UseProblemDetails();
});
app.MapDefaultEndpoints();
await app.RunAsync();
