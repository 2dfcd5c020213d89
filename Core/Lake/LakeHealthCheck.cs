using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ductus.Core.Lake;

/// <summary>Ready only when the lake folder exists and this process can write to it.</summary>
public sealed class LakeHealthCheck(IOptions<LakeOptions> options) : IHealthCheck
{
    public const string Name = "lake";

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
