using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ductus.Core.Auth;
using Ductus.Core.Telemetry;

namespace Ductus.Api.Auth;

/// <summary>
/// Every PBKDF2 verification of a token exchange goes through here, and a client id + secret that
/// verified is remembered with the stored hash it verified against, so the same client's next
/// exchange costs one HMAC instead of 100,000 PBKDF2 iterations.
/// <list type="bullet">
/// <item>Entries are keyed by an HMAC of client id and secret under a key random per process: a
/// wrong secret is a different key and always hashes; memory holds no secret.</item>
/// <item>An entry answers only for the stored hash it verified against: a re-keyed client (the
/// bootstrap admin after <c>admin-key</c> changed) hashes again.</item>
/// <item>It never decides alone: the caller reads the client's row on every exchange and forgets
/// the entry when the key is revoked (<see cref="Forget"/>). Entries also end after
/// <c>lifetime</c>; API keys have no expiry of their own.</item>
/// </list>
/// </summary>
public sealed class VerifiedSecretCache(TimeProvider time, TimeSpan lifetime, int capacity)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _hashes;

    /// <summary>PBKDF2 verifications done so far (real and decoy).</summary>
    public long Hashes => Interlocked.Read(ref _hashes);

    public int Count => _entries.Count;

    /// <summary>The stored hash this exact client id and secret verified against, while remembered; else null.</summary>
    public string? Lookup(string clientId, string secret)
    {
        var key = Key(clientId, secret);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.ExpiresAt > time.GetUtcNow())
        {
            return entry.StoredHash;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return null;
    }

    /// <summary>True when <paramref name="secret"/> matches <paramref name="storedHash"/>: from memory when it verified before, else by PBKDF2.</summary>
    public bool Verify(string clientId, string secret, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        if (string.Equals(Lookup(clientId, secret), storedHash, StringComparison.Ordinal))
        {
            return true;
        }

        Counted();
        if (!SecretHasher.Verify(secret, storedHash))
        {
            return false;
        }

        Remember(Key(clientId, secret), new Entry(storedHash, time.GetUtcNow() + lifetime));
        return true;
    }

    /// <summary>Spends one verification's time for a client that does not exist or is revoked, so the answer's timing tells nothing.</summary>
    public void SpendDecoy(string secret)
    {
        Counted();
        SecretHasher.VerifyDecoy(secret);
    }

    public void Forget(string clientId, string secret) => _entries.TryRemove(Key(clientId, secret), out _);

    private void Counted()
    {
        Interlocked.Increment(ref _hashes);
        DuctusTelemetry.SecretHashes.Add(1);
    }

    private string Key(string clientId, string secret)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(secret);
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        var material = Encoding.UTF8.GetBytes($"{clientId.Length}:{clientId}{secret}");
        return Convert.ToBase64String(HMACSHA256.HashData(_key, material));
    }

    private void Remember(string key, Entry entry)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            var now = time.GetUtcNow();
            foreach (var (old, value) in _entries)
            {
                if (value.ExpiresAt <= now)
                {
                    _entries.TryRemove(old, out _);
                }
            }

            // Still full of live entries: newcomers are hashed each time rather than grow.
            if (_entries.Count >= capacity)
            {
                return;
            }
        }

        _entries[key] = entry;
    }

    private sealed record Entry(string StoredHash, DateTimeOffset ExpiresAt);
}
