using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ductus.Pipelines.Alerts;

/// <summary>
/// How an alert proves where it came from: <c>X-Ductus-Signature: sha256=&lt;hex&gt;</c>, the
/// HMAC-SHA256 with the webhook's secret over <c>"&lt;X-Ductus-Timestamp&gt;.&lt;body&gt;"</c>.
/// The timestamp (Unix seconds) is inside the signature, so a receiver that refuses old ones
/// (docs: older than 5 minutes) cannot be replayed a captured alert later.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-Ductus-Timestamp";
    public const string SignatureHeader = "X-Ductus-Signature";

    /// <summary>The alert's id, the same on every attempt: a receiver drops a retry it already processed by it.</summary>
    public const string AlertIdHeader = "X-Ductus-Alert-Id";

    public const string Scheme = "sha256=";

    /// <summary>How old a timestamp receivers should still accept.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentException.ThrowIfNullOrEmpty(timestamp);
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Scheme + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>
    /// What a receiver does: recompute and compare in constant time, and refuse a timestamp more
    /// than <see cref="MaxAge"/> from <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxAge)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }
}
