using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>How an external OpenID Connect issuer's settings reach the Api (docs/security.md, "OIDC browser sign-in").</summary>
internal static class ExternalIssuerForwarding
{
    /// <summary>The AppHost parameter holding a confidential client's secret (kept in the AppHost's user secrets).</summary>
    public const string ClientSecretParameter = "oidc-client-secret";

    private const string Section = "Ductus:Auth";

    /// <summary>
    /// Passes the AppHost's <c>Ductus:Auth:Authority</c>, <c>Audience</c> and <c>Oidc:*</c> on to the
    /// Api when an authority is set. The client secret never travels that way: it must be the
    /// secret parameter <see cref="ClientSecretParameter"/> (<c>dotnet user-secrets set
    /// Parameters:oidc-client-secret …</c>), so it stays out of appsettings files and the repository.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithExternalIssuer(this IResourceBuilder<ProjectResource> api, IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[$"{Section}:Authority"]))
        {
            return api;
        }

        api.WithSettings(configuration, Section, key => !key.EndsWith(":ClientSecret", StringComparison.OrdinalIgnoreCase)
            && (key.Equals($"{Section}:Authority", StringComparison.OrdinalIgnoreCase)
                || key.Equals($"{Section}:Audience", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith($"{Section}:Oidc:", StringComparison.OrdinalIgnoreCase)));

        if (!string.IsNullOrEmpty(configuration[$"Parameters:{ClientSecretParameter}"]))
        {
            api.WithEnvironment("Ductus__Auth__Oidc__ClientSecret", builder.AddParameter(ClientSecretParameter, secret: true));
        }

        return api;
    }
}
