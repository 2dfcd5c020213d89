using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ductus.Core.Auth;

/// <summary>
/// Hashes API-key secrets for storage: PBKDF2-HMAC-SHA256 with a random salt per key, kept as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (base64) so the cost can be raised later without
/// invalidating stored keys.
/// </summary>
public static class SecretHasher
{
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>
    /// Secrets are 256-bit random values, not passwords, so the iteration count only has to make
    /// a stolen table expensive, not resist dictionary attacks; this keeps a token request under
    /// ~50 ms on a small machine.
    /// </summary>
    public const int DefaultIterations = 100_000;

    // Verifying against this when the client id is unknown makes "no such client" cost the same
    // time as "wrong secret", so response times do not reveal which client ids exist.
    private static readonly Lazy<string> DecoyHash = new(() => Hash("decoy-" + Guid.NewGuid()));

    public static string Hash(string secret, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>True when <paramref name="secret"/> produced <paramref name="stored"/>; false for any malformed hash.</summary>
    public static bool Verify(string secret, string stored)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the time of one verification; for clients that do not exist.</summary>
    public static void VerifyDecoy(string secret) => _ = Verify(secret, DecoyHash.Value);
}
