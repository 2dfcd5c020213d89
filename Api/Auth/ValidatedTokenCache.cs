using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Api.Auth;

/// <summary>
/// Remembers bearer tokens that passed full validation (signature, issuer, audience, lifetime)
/// so a client's next requests with the same token skip parsing and the signature check, which
/// were about a tenth of a catalog read's CPU. An entry answers only while the token's own
/// lifetime (plus the clock skew full validation allows) lasts, and only while the key that
/// signed it is still among the signing keys in use, so it accepts nothing full validation
/// would refuse: revocation (next token exchange) and key rotation work as before. Anything
/// else, a tampered token included, is a different string and is validated in full.
/// </summary>
public sealed class ValidatedTokenCache(TokenHandler inner, TimeProvider time, int capacity = ValidatedTokenCache.DefaultCapacity) : TokenHandler
{
    public const int DefaultCapacity = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = time.GetUtcNow().UtcDateTime;
        if (token is not null && _entries.TryGetValue(token, out var hit))
        {
            if (hit.Answers(now, validationParameters) && await KeyStillInUseAsync(hit.SigningKey, validationParameters))
            {
                // A copy per request: claims transformation or an endpoint may add claims, and
                // those must not leak into the next request with this token.
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = hit.Identity.Clone(),
                    SecurityToken = hit.Token,
                    Issuer = hit.Issuer,
                    TokenType = hit.TokenType,
                };
            }

            _entries.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && token is not null && Entry.From(result, validationParameters) is { } entry && entry.Answers(now, validationParameters)
            && await KeyStillInUseAsync(entry.SigningKey, validationParameters))
        {
            Remember(token, entry, now);
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    private static async ValueTask<bool> KeyStillInUseAsync(SecurityKey key, TokenValidationParameters parameters)
    {
        if (ReferenceEquals(parameters.IssuerSigningKey, key) || (parameters.IssuerSigningKeys?.Contains(key) ?? false))
        {
            return true;
        }

        // An external authority's keys come from its discovery document (cached and refreshed
        // by the manager): a key it no longer lists stops answering for cached tokens too.
        if (parameters.ConfigurationManager is { } manager)
        {
            var configuration = await manager.GetBaseConfigurationAsync(CancellationToken.None);
            return configuration?.SigningKeys?.Contains(key) ?? false;
        }

        return false;
    }

    private void Remember(string token, Entry entry, DateTime now)
    {
        if (_entries.Count >= capacity)
        {
            foreach (var (key, old) in _entries)
            {
                if (old.ExpiresAt < now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            // Still full of live tokens: validate the newcomers in full rather than grow.
            if (_entries.Count >= capacity)
            {
                return;
            }
        }

        _entries[token] = entry;
    }

    private sealed record Entry(ClaimsIdentity Identity, SecurityToken Token, SecurityKey SigningKey, string? Issuer, string? TokenType, DateTime ExpiresAt)
    {
        public static Entry? From(TokenValidationResult result, TokenValidationParameters parameters)
        {
            // Without a lifetime check or an expiry, or with a key chosen by a resolver, there is
            // nothing safe to bound the entry by: such tokens are always validated in full.
            if (!parameters.ValidateLifetime || parameters.IssuerSigningKeyResolver is not null
                || result.SecurityToken is not { SigningKey: { } key } token || token.ValidTo == DateTime.MinValue
                || result.ClaimsIdentity is null)
            {
                return null;
            }

            return new Entry(result.ClaimsIdentity, token, key, result.Issuer, result.TokenType, token.ValidTo + parameters.ClockSkew);
        }

        public bool Answers(DateTime now, TokenValidationParameters parameters) => now <= ExpiresAt && parameters.ValidateLifetime;
    }
}
