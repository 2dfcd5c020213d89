using FastEndpoints.Swagger;
using NSwag;

namespace Ductus.Api.OpenApi;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and its viewer at <c>/docs</c>.</summary>
public static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/{documentName}.json";

    public static WebApplicationBuilder AddOpenApiDocument(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
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
                settings.PostProcess = Describe;
            };
            doc.RemoveEmptyRequestSchema = true;
            doc.SerializerSettings = json => json.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
        });
        return builder;
    }

    /// <summary>
    /// The document and its viewer are public (they describe the API, they do not use it), so
    /// they are served ahead of authentication: call this before the security middleware.
    /// </summary>
    public static WebApplication UseOpenApiDocument(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSwaggerGen(
            doc =>
            {
                doc.Path = DocumentPath;
                // The document is served by the Api it describes: a relative server is right wherever it
                // is reached (NSwag would write the host of the request, e.g. localhost).
                doc.PostProcess = (document, _) =>
                {
                    document.Servers.Clear();
                    document.Servers.Add(new OpenApiServer { Url = "/", Description = "the Api serving this document" });
                };
            },
            ui =>
            {
                ui.Path = "/docs";
                ui.DocumentPath = DocumentPath;
            });
        return app;
    }

    private static void Describe(OpenApiDocument document)
    {
        // The repository carries no open-source licence; say so rather than leave it out.
        document.Info.License = new OpenApiLicense { Name = "Proprietary" };
        // Anonymous operations (the token endpoint) state it with one empty requirement, so a
        // reader and a linter can tell "open on purpose" from "forgot to say".
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Values))
        {
            if (operation.Security is null || operation.Security.Count == 0)
            {
                operation.Security = [new OpenApiSecurityRequirement()];
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
    }
}
