using System.Net;
using Ductus.Api.Protection;
using Ductus.Core.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Api.Auth;

/// <summary>What a token exchange came to: a client, a refusal, or "too many attempts, retry after".</summary>
public sealed record ClientAuthentication(AuthenticatedClient? Client, TimeSpan? RetryAfter)
{
    public static readonly ClientAuthentication Refused = new(null, null);
}

/// <summary>
/// Checks a client id and secret at <c>/auth/token</c> without letting anonymous callers spend
/// the server's CPU at will. A PBKDF2 verification costs ~50 ms of a core; so:
/// <list type="number">
/// <item>a secret this process verified before is answered from <see cref="VerifiedSecretCache"/>
/// after re-reading the client's row (so revocation and re-keying still hold), with no hash and no
/// budget spent;</item>
/// <item>every exchange that would hash first counts against a budget per IP address and per
/// client id, shared by all Api replicas in Redis (<see cref="RedisRateLimiter"/>); over either,
/// the answer is "retry after" and nothing is hashed;</item>
/// <item>then the secret is verified, or for an unknown or revoked client a decoy hash is spent,
/// so the three refusals cost the same.</item>
/// </list>
/// </summary>
public sealed class ClientAuthenticator(
    ApiClientStore clients,
    VerifiedSecretCache secrets,
    RedisRateLimiter limiter,
    IOptions<AuthOptions> options,
    ILogger<ClientAuthenticator> logger)
{
    public async Task<ClientAuthentication> AuthenticateAsync(string clientId, string secret, IPAddress? address, CancellationToken ct)
    {
        if (secrets.Lookup(clientId, secret) is { } verified)
        {
            var current = await clients.FindAsync(clientId, ct);
            if (current is { Revoked: false } && string.Equals(current.SecretHash, verified, StringComparison.Ordinal))
            {
                return await AcceptAsync(current, ct);
            }

            secrets.Forget(clientId, secret);
            if (current is null || current.Revoked)
            {
                return ClientAuthentication.Refused;
            }

            // The client was re-keyed since: this secret must prove itself against the new hash.
        }

        if (await ThrottleAsync(clientId, address) is { } retryAfter)
        {
            DuctusTelemetry.TokenRequestsThrottled.Add(1);
            return new ClientAuthentication(null, retryAfter);
        }

        var client = await clients.FindAsync(clientId, ct);
        if (client is null || client.Revoked)
        {
            secrets.SpendDecoy(secret);
            return ClientAuthentication.Refused;
        }

        return secrets.Verify(clientId, secret, client.SecretHash)
            ? await AcceptAsync(client, ct)
            : ClientAuthentication.Refused;
    }

    private async Task<ClientAuthentication> AcceptAsync(StoredClient client, CancellationToken ct)
    {
        await clients.TouchAsync(client, ct);
        return new ClientAuthentication(client.ToAuthenticated(), null);
    }

    /// <summary>Counts one hashing attempt for the address, then (if it has budget left) for the client id; null when both allow it.</summary>
    private async Task<TimeSpan?> ThrottleAsync(string clientId, IPAddress? address)
    {
        var settings = options.Value;
        var from = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
        try
        {
            // The address first: a caller spraying client ids from one address then creates no
            // per-client counters once its own budget is spent.
            var byAddress = await limiter.HitAsync("token:ip:" + (from?.ToString() ?? "unknown"), settings.TokenAttemptsPerAddress, settings.TokenAttemptWindow);
            if (!byAddress.Allowed)
            {
                return byAddress.RetryAfter;
            }

            var byClient = await limiter.HitAsync("token:client:" + clientId, settings.TokenAttemptsPerClient, settings.TokenAttemptWindow);
            return byClient.Allowed ? null : byClient.RetryAfter;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Fails open like the request limiter: a Redis outage must not lock every client out.
            logger.LogWarning("Token attempt limit for {ClientId} not checked; request let through: {Message}", clientId, e.Message);
            return null;
        }
    }
}
