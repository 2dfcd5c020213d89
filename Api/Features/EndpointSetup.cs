using FastEndpoints;

namespace Ductus.Api.Features;

/// <summary>The API's endpoints: every <c>Endpoint</c> class under <c>Features/</c>, found by FastEndpoints.</summary>
public static class EndpointSetup
{
    public static WebApplicationBuilder AddApiEndpoints(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFastEndpoints();
        return builder;
    }

    /// <summary>Errors answer as RFC 9457 problem details, the shape the security middleware writes too.</summary>
    public static WebApplication UseApiEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseFastEndpoints(config => config.Errors.UseProblemDetails());
        return app;
    }
}
