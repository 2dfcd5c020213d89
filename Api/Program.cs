using Ductus.Api.Clients;
using Ductus.Core;
using FastEndpoints;
using FastEndpoints.Swagger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(Resources.Database);
builder.AddRedisClient(Resources.Redis);

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
app.UseFastEndpoints(config =>
{
    config.Errors.UseProblemDetails();
});
app.UseSwaggerGen(
    doc => doc.Path = "/openapi/{documentName}.json",
    ui =>
    {
        ui.Path = "/docs";
        ui.DocumentPath = "/openapi/{documentName}.json";
    });
app.MapDefaultEndpoints();
await app.RunAsync();
