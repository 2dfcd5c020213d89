using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service shares: telemetry, health endpoints, service discovery and resilient
/// HttpClients. Kept in the Aspire template's shape, and free of the application's own types,
/// so it reads like every other Aspire service; what a service needs beyond it, the service
/// registers itself.
/// </summary>
public static class Extensions
{
    /// <summary>Tag that marks a check as part of liveness (the process answers) rather than readiness.</summary>
    public const string LiveTag = "live";

    /// <param name="telemetryNames">The service's own trace sources and meters, exported beside the built-in ones.</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, params IEnumerable<string> telemetryNames)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(telemetryNames);
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddOptions<MetricsAccessOptions>().BindConfiguration(MetricsAccessOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MetricsAccessOptions>, MetricsAccessOptionsValidator>();
        builder.Services.AddSingleton(sp => new MetricsAccess(sp.GetRequiredService<IOptions<MetricsAccessOptions>>().Value));
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <param name="telemetryNames">The service's own trace sources and meters, exported beside the built-in ones.</param>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, params IEnumerable<string> telemetryNames)
        where TBuilder : IHostApplicationBuilder
    {
        string[] names = [.. telemetryNames];
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(names)
                // Pulled by Prometheus at /metrics (MapDefaultEndpoints), beside the OTLP push to the dashboard.
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .SetSampler(TraceSampler(builder.Configuration))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(names)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes and scrapes every few seconds would drown the real requests in the trace view.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthPaths.Ready, StringComparison.OrdinalIgnoreCase)
                        && !context.Request.Path.StartsWithSegments(HealthPaths.Alive, StringComparison.OrdinalIgnoreCase)
                        && !context.Request.Path.StartsWithSegments(HealthPaths.Metrics, StringComparison.OrdinalIgnoreCase))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Configuration key: new root traces per second per process (default 5).</summary>
    public const string TracesPerSecondKey = "Ductus:Telemetry:TracesPerSecond";

    public const double DefaultTracesPerSecond = 5;

    /// <summary>
    /// Every request used to be traced and exported (Aspire sets <c>OTEL_TRACES_SAMPLER=always_on</c>,
    /// which a sampler set here overrides): under load that cost the Api about a fifth of its
    /// throughput plus the dashboard's CPU. A trace started upstream keeps its decision, so a
    /// sampled trace is never cut in half between services.
    /// </summary>
    public static Sampler TraceSampler(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var perSecond = configuration.GetValue(TracesPerSecondKey, DefaultTracesPerSecond);
        if (perSecond < 0 || double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            throw new InvalidOperationException($"{TracesPerSecondKey} must be a number >= 0 (0: no new traces), not {perSecond}.");
        }

        return new ParentBasedSampler(new RateLimitedSampler(perSecond));
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready to serve (every dependency check passes). <c>/alive</c>: the process
    /// answers. Both are mapped in every environment because the AppHost and any orchestrator
    /// probe them; they reveal only status words, never connection details. <c>/metrics</c>: the
    /// Prometheus scrape, which <see cref="MetricsAccess"/> guards itself, so it is anonymous to
    /// the service's own authorization (the Api's token scheme knows nothing of scrape tokens).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPaths.Ready).AllowAnonymous();
        app.MapHealthChecks(HealthPaths.Alive, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(HealthPaths.Metrics, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(GuardScrapeAsync), optionsName: null)
            .AllowAnonymous()
            .DisableHttpMetrics();

        return app;
    }

    private static async Task GuardScrapeAsync(HttpContext context, RequestDelegate next)
    {
        var access = context.RequestServices.GetRequiredService<MetricsAccess>();
        var decision = access.Decide(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization.ToString());
        if (decision == MetricsAccessDecision.Allowed)
        {
            await next(context);
            return;
        }

        var (status, title, detail) = decision == MetricsAccessDecision.TokenRequired
            ? (StatusCodes.Status401Unauthorized, "Unauthorized", $"Authorization: a scrape token (Bearer) is required from {context.Connection.RemoteIpAddress}, which is outside {MetricsAccessOptions.Section}:AllowedNetworks.")
            : (StatusCodes.Status403Forbidden, "Forbidden", "Authorization: the bearer token is not this service's scrape token.");
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await Results.Problem(statusCode: status, title: title, detail: detail, type: $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}", instance: context.Request.Path)
            .ExecuteAsync(context);
    }
}
