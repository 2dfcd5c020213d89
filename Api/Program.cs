using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Api.Clients;
using Ductus.Api.Ingest;
using Ductus.Core;
using Ductus.Core.Catalog;
using FastEndpoints;
using FastEndpoints.Swagger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// The Api acts as ductus_app (no BYPASSRLS), so the workspace policies hold even for a query
// that forgets its workspace filter.
builder.AddNpgsqlDataSource(
    Resources.Database,
    settings => settings.ConnectionString = settings.ConnectionString is null ? null : CatalogRole.Adopt(settings.ConnectionString),
    dataSource =>
    {
        // An ingest push streams ~100 KB into COPY; with the default 8 KB buffer every flush armed
        // Npgsql's timeout timer under a lock the 16 pushing connections fought over.
        dataSource.ConnectionStringBuilder.WriteBufferSize = 64 * 1024;
        CatalogRole.PrepareRepeatedStatements(dataSource.ConnectionStringBuilder);
    });
builder.AddDuctusRedis(Resources.Redis);
builder.AddDuctusSecurity();
builder.AddDuctusCatalog();
builder.AddDuctusIngest();

builder.AddAnalyticsClient();
builder.Services.AddOptions<Ductus.Api.Query.QueryCacheOptions>().Bind(builder.Configuration.GetSection(Ductus.Api.Query.QueryCacheOptions.Section));
builder.Services.AddSingleton(sp => new Ductus.Api.Query.QueryCache(
    sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
    sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ductus.Api.Query.QueryCacheOptions>>().Value,
    sp.GetRequiredService<ILogger<Ductus.Api.Query.QueryCache>>()));
builder.Services.AddTransient<Ductus.Api.Query.QueryRunner>(); // transient: it holds a typed HttpClient

builder.Services.AddFastEndpoints();
builder.Services.SwaggerDocument(doc =>
{
    doc.DocumentSettings = settings =>
    {
        settings.DocumentName = "v1";
        settings.Title = "Ductus API";
        settings.Version = "v1";
        // Property names as the Api writes them (camelCase), and non-nullable ones required, so
        // generated clients (clients/typescript) get the real shapes.
        settings.MarkNonNullablePropsAsRequired();
        settings.PostProcess = document =>
        {
            // The repository carries no open-source licence; say so rather than leave it out.
            document.Info.License = new NSwag.OpenApiLicense { Name = "Proprietary" };
            // Anonymous operations (the token endpoint) state it with one empty requirement, so a
            // reader and a linter can tell "open on purpose" from "forgot to say".
            foreach (var operation in document.Paths.Values.SelectMany(p => p.Values))
            {
                if (operation.Security is null || operation.Security.Count == 0)
                {
                    operation.Security = [new NSwag.OpenApiSecurityRequirement()];
                }
            }

            // NSwag writes an optional object property as "nullable + oneOf [the one $ref]" and an
            // optional free-form value as a bare "nullable"; OpenAPI 3.0 wants a type beside
            // nullable. Both properties are optional (left out, not null), so the plain $ref and
            // the untyped schema say the same thing correctly.
            foreach (var property in document.Components.Schemas.Values.SelectMany(schema => schema.Properties.Values))
            {
                if (property.IsNullableRaw != true || property.Type != NJsonSchema.JsonObjectType.None)
                {
                    continue;
                }

                if (property.OneOf.Count == 1 && property.OneOf.First().Reference is { } target)
                {
                    property.OneOf.Clear();
                    property.Reference = target;
                }

                property.IsNullableRaw = null;
            }
        };
    };
    doc.RemoveEmptyRequestSchema = true;
    doc.SerializerSettings = json => json.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
});

var app = builder.Build();
// The document and its viewer are public (they describe the API, they do not use it), so they
// are served ahead of authentication.
app.UseSwaggerGen(
    doc =>
    {
        doc.Path = "/openapi/{documentName}.json";
        // The document is served by the Api it describes: a relative server is right wherever it
        // is reached (NSwag would write the host of the request, e.g. localhost).
        doc.PostProcess = (document, _) =>
        {
            document.Servers.Clear();
            document.Servers.Add(new NSwag.OpenApiServer { Url = "/", Description = "the Api serving this document" });
        };
    },
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
