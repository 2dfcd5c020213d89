using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Tests.Unit.Auth;

public sealed class ValidatedTokenCacheTests
{
    private static readonly AuthOptions Settings = new() { SigningKey = new string('k', 48), TokenLifetime = TimeSpan.FromMinutes(15) };

    private static readonly AuthenticatedClient Client = new(
        "dk-cache", Guid.Parse("00000000-0000-0000-0000-000000000002"), "default", ["analyst"], null);

    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_validated_token_is_answered_from_the_cache_with_its_claims_and_a_fresh_identity()
    {
        var cache = Cache();
        var parameters = Parameters(TokenIssuer.SigningKey(Settings));
        var token = Issue();

        var first = await cache.ValidateTokenAsync(token, parameters);
        Assert.True(first.IsValid, first.Exception?.Message);
        Assert.Equal(1, cache.Count);

        var second = await cache.ValidateTokenAsync(token, parameters);
        Assert.True(second.IsValid);
        Assert.Equal("dk-cache", second.ClaimsIdentity.Name);
        Assert.True(new ClaimsPrincipal(second.ClaimsIdentity).IsInRole("analyst"));
        Assert.Equal(Client.WorkspaceId, new ClaimsPrincipal(second.ClaimsIdentity).WorkspaceId());

        // A claim added to one request's identity does not reach the next request's.
        second.ClaimsIdentity.AddClaim(new Claim(DuctusClaims.Role, "admin"));
        var third = await cache.ValidateTokenAsync(token, parameters);
        Assert.False(new ClaimsPrincipal(third.ClaimsIdentity).IsInRole("admin"));
    }

    [Fact]
    public async Task A_tampered_copy_of_a_cached_token_is_refused()
    {
        var cache = Cache();
        var parameters = Parameters(TokenIssuer.SigningKey(Settings));
        var token = Issue();
        Assert.True((await cache.ValidateTokenAsync(token, parameters)).IsValid);

        // The payload re-encoded with an admin role, the signature kept: what an attacker holding
        // a cached token could send.
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"analyst\"", "\"admin\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        Assert.NotEqual(token, tampered);

        var result = await cache.ValidateTokenAsync(tampered, parameters);
        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>(result.Exception);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_its_lifetime_and_the_clock_skew_have_passed()
    {
        var cache = Cache();
        var parameters = Parameters(TokenIssuer.SigningKey(Settings));
        var token = Issue();
        Assert.True((await cache.ValidateTokenAsync(token, parameters)).IsValid);

        _clock.Advance(Settings.TokenLifetime + TimeSpan.FromSeconds(29));
        Assert.True((await cache.ValidateTokenAsync(token, parameters)).IsValid);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var expired = await cache.ValidateTokenAsync(token, parameters);
        Assert.False(expired.IsValid);
        Assert.IsAssignableFrom<SecurityTokenException>(expired.Exception);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_its_signing_key_is_no_longer_in_use()
    {
        var cache = Cache();
        var token = Issue();
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(TokenIssuer.SigningKey(Settings)))).IsValid);

        var rotated = Parameters(TokenIssuer.SigningKey(new AuthOptions { SigningKey = new string('r', 48) }));
        Assert.False((await cache.ValidateTokenAsync(token, rotated)).IsValid);
    }

    [Fact]
    public async Task A_token_that_failed_validation_is_never_cached()
    {
        var cache = Cache();
        var token = Issue();
        var rotated = Parameters(TokenIssuer.SigningKey(new AuthOptions { SigningKey = new string('r', 48) }));

        Assert.False((await cache.ValidateTokenAsync(token, rotated)).IsValid);
        Assert.False((await cache.ValidateTokenAsync(token, rotated)).IsValid);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task The_cache_holds_at_most_its_capacity_and_still_validates_the_rest()
    {
        var cache = Cache(capacity: 2);
        var parameters = Parameters(TokenIssuer.SigningKey(Settings));
        var tokens = Enumerable.Range(0, 5).Select(i => Issue(Client with { ClientId = $"dk-{i}" })).ToList();

        foreach (var token in tokens)
        {
            Assert.True((await cache.ValidateTokenAsync(token, parameters)).IsValid);
        }

        Assert.Equal(2, cache.Count);
        Assert.Equal("dk-4", (await cache.ValidateTokenAsync(tokens[4], parameters)).ClaimsIdentity.Name);
    }

    private ValidatedTokenCache Cache(int capacity = ValidatedTokenCache.DefaultCapacity) =>
        new(new JsonWebTokenHandler { MapInboundClaims = false }, _clock, capacity);

    private string Issue(AuthenticatedClient? client = null) =>
        new TokenIssuer(Options.Create(Settings), _clock).Issue(client ?? Client).AccessToken;

    /// <summary>The Api's validation parameters, with the lifetime judged by the test's clock.</summary>
    private TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = Settings.Issuer,
        ValidAudience = Settings.Audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = DuctusClaims.Subject,
        RoleClaimType = DuctusClaims.Role,
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = (notBefore, expires, _, p) =>
            notBefore <= _clock.GetUtcNow().UtcDateTime + p.ClockSkew && expires >= _clock.GetUtcNow().UtcDateTime - p.ClockSkew,
    };
}
