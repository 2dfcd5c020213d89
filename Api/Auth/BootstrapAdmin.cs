using Microsoft.Extensions.Options;

namespace Ductus.Api.Auth;

/// <summary>
/// Ensures the <c>admin</c> client at start, before the server accepts requests, so the first
/// request of a fresh install can already get a token with the AppHost's admin key.
/// </summary>
public sealed class BootstrapAdmin(ApiClientStore clients, IOptions<AuthOptions> options, ILogger<BootstrapAdmin> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = options.Value.AdminKey;
        if (string.IsNullOrEmpty(key))
        {
            logger.LogWarning("{Setting} is not set: no bootstrap admin client; existing keys keep working.", $"{AuthOptions.Section}:AdminKey");
            return;
        }

        if (await clients.EnsureBootstrapAdminAsync(key, cancellationToken))
        {
            logger.LogInformation("Bootstrap admin client written (new install or changed admin key).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
