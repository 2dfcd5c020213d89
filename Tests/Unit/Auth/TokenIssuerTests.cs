using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Api.Protection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Tests.Unit.Auth;

public sealed class TokenIssuerTests
{
    private static readonly AuthOptions Settings = new() { SigningKey = new string('k', 48), TokenLifetime = TimeSpan.FromMinutes(15) };

    private static readonly AuthenticatedClient Client = new(
        "dk-unit", Guid.Parse("00000000-0000-0000-0000-000000000001"), "default", ["engineer", "analyst"], 42);

    [Fact]
    public async Task An_issued_token_validates_with_the_api_parameters_and_carries_every_claim()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var token = new TokenIssuer(Options.Create(Settings), clock).Issue(Client);

        var result = await ValidateAsync(token.AccessToken, clock.GetUtcNow());
        Assert.True(result.IsValid, result.Exception?.Message);
        var identity = result.ClaimsIdentity;
        Assert.Equal("dk-unit", identity.Name);
        Assert.True(new ClaimsPrincipal(identity).IsInRole("engineer"));
        Assert.True(new ClaimsPrincipal(identity).IsInRole("analyst"));
        Assert.False(new ClaimsPrincipal(identity).IsInRole("admin"));
        Assert.Equal(Client.WorkspaceId, new ClaimsPrincipal(identity).WorkspaceId());
        Assert.Equal(42, new ClaimsPrincipal(identity).ClientRateLimit());
        Assert.Equal(TimeSpan.FromMinutes(15), token.Lifetime);
    }

    [Fact]
    public async Task A_token_is_refused_once_its_lifetime_and_the_clock_skew_have_passed()
    {
        var issuedAt = DateTimeOffset.UtcNow.AddHours(-1);
        var token = new TokenIssuer(Options.Create(Settings), new ManualClock(issuedAt)).Issue(Client);

        Assert.True((await ValidateAsync(token.AccessToken, issuedAt.AddMinutes(14))).IsValid);
        var expired = await ValidateAsync(token.AccessToken, issuedAt.AddMinutes(16));
        Assert.False(expired.IsValid);
        Assert.IsAssignableFrom<SecurityTokenException>(expired.Exception);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var other = new AuthOptions { SigningKey = new string('x', 48) };
        var token = new TokenIssuer(Options.Create(other), TimeProvider.System).Issue(Client);
        Assert.False((await ValidateAsync(token.AccessToken, DateTimeOffset.UtcNow)).IsValid);
    }

    [Theory]
    [InlineData("short", "00:15:00", null, "SigningKey")]
    [InlineData(null, "00:15:00", null, "SigningKey")]
    [InlineData("0123456789abcdef0123456789abcdef", "00:00:10", null, "TokenLifetime")]
    [InlineData("0123456789abcdef0123456789abcdef", "2.00:00:00", null, "TokenLifetime")]
    [InlineData(null, "00:15:00", "not a url", "Authority")]
    public void Bad_auth_settings_are_refused_naming_the_key(string? key, string lifetime, string? authority, string named)
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions
        {
            SigningKey = key,
            TokenLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture),
            Authority = authority,
        });
        Assert.True(result.Failed);
        Assert.Contains($"Ductus:Auth:{named}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_external_authority_needs_no_signing_key()
    {
        var result = new AuthOptionsValidator().Validate(null, new AuthOptions { Authority = "https://login.example.com/realms/ductus" });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Rate_limit_settings_outside_their_range_are_refused()
    {
        var validator = new RateLimitOptionsValidator();
        Assert.True(validator.Validate(null, new RateLimitOptions()).Succeeded);
        Assert.Contains("PermitLimit", validator.Validate(null, new RateLimitOptions { PermitLimit = 0 }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Window", validator.Validate(null, new RateLimitOptions { Window = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_policy_admits_exactly_the_roles_documented()
    {
        Assert.Equal(["admin"], PolicyNames.RolesPerPolicy[PolicyNames.Admin]);
        Assert.Equal(["admin", "engineer"], PolicyNames.RolesPerPolicy[PolicyNames.Engineer].Order());
        Assert.Equal(["admin", "analyst", "engineer"], PolicyNames.RolesPerPolicy[PolicyNames.Analyst].Order());
        Assert.Equal(["admin", "engineer", "ingest"], PolicyNames.RolesPerPolicy[PolicyNames.Ingest].Order());
    }

    /// <summary>Validates as the Api's JwtBearer setup does, but at a chosen moment.</summary>
    private static Task<TokenValidationResult> ValidateAsync(string token, DateTimeOffset now) =>
        new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Settings.Issuer,
            ValidAudience = Settings.Audience,
            IssuerSigningKey = TokenIssuer.SigningKey(Settings),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            NameClaimType = DuctusClaims.Subject,
            RoleClaimType = DuctusClaims.Role,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= now.UtcDateTime.AddSeconds(30) && expires > now.UtcDateTime.AddSeconds(-30),
        });

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
