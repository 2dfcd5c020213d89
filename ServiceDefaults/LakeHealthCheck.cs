using Microsoft.Extensions.DependencyInjection;
using Ductus.Core.Lake;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Ready only when the lake folder exists and this process can write to it.</summary>
public sealed class LakeHealthCheck(IOptions<LakeOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var root = options.Value.Root;
        if (!Directory.Exists(root))
        {
            return HealthCheckResult.Unhealthy($"The lake folder {root} does not exist.");
        }

        var probe = Path.Combine(root, $".health-{Environment.ProcessId}");
        try
        {
            await File.WriteAllTextAsync(probe, "ok", cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"The lake folder {root} is not writable: {e.Message}", e);
        }
    }
}

public static class LakeExtensions
{
    /// <summary>Binds and validates <see cref="LakeOptions"/> at start and adds the lake to readiness.</summary>
    public static TBuilder AddLake<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<LakeOptions>()
            .Bind(builder.Configuration.GetSection(LakeOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LakeOptions>, LakeOptionsValidator>();
        builder.Services.AddHealthChecks().AddCheck<LakeHealthCheck>("lake");
        return builder;
    }
}
