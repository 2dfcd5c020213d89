using System.Security.Cryptography;

namespace Ductus.Core.Auth;

/// <summary>A newly minted client id and secret; the secret exists in clear only in this value.</summary>
public sealed record ClientCredentials(string ClientId, string ClientSecret)
{
    /// <summary>The bootstrap admin client, whose secret is the AppHost's <c>admin-key</c> parameter.</summary>
    public const string BootstrapAdminClientId = "admin";

    private const string Lowercase = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// A fresh pair: the id is short and readable (it shows in logs and audit rows), the secret
    /// carries 256 bits of randomness in URL-safe base64 so it survives form encoding unchanged.
    /// </summary>
    public static ClientCredentials Generate()
    {
        var id = "dk-" + RandomNumberGenerator.GetString(Lowercase, 20);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new ClientCredentials(id, secret);
    }
}
