using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Core.Auth;

/// <summary>
/// The token the Api puts on every call to the analytics worker: a JWT signed (HS256) with the
/// AppHost's <c>service-token-key</c>, naming the workspace the Api took from its caller's own
/// token. The worker reads the workspace from here and from nowhere else, so a process that can
/// reach the worker but does not hold the key reads nothing, and a body cannot name another
/// workspace. Lifetimes are a minute: a token is minted per call and never stored.
/// </summary>
public static class ServiceToken
{
    public const string Issuer = "ductus-api";
    public const string Audience = "ductus-analytics";
    public const string WorkspaceClaim = "ws";
    public const string WorkspaceNameClaim = "ws_name";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    // Replicas' clocks drift a little; a one-minute token should not fail on seconds.
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new();

    public static SymmetricSecurityKey Key(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = "ductus-service" };
    }

    /// <summary>A token for one call on behalf of <paramref name="workspaceName"/> (<paramref name="workspaceId"/>).</summary>
    public static string Issue(string secret, Guid workspaceId, string workspaceName, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspaceName);
        var identity = new ClaimsIdentity();
        identity.AddClaim(new Claim(WorkspaceClaim, workspaceId.ToString()));
        identity.AddClaim(new Claim(WorkspaceNameClaim, workspaceName));
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = identity,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(Key(secret), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>What the worker accepts: our issuer and audience, this key, HS256 only, unexpired.</summary>
    public static TokenValidationParameters ValidationParameters(string secret) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key(secret),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = ClockSkew,
        NameClaimType = WorkspaceNameClaim,
    };

    /// <summary>The workspace a validated token names; null when it names none or a malformed one.</summary>
    public static (Guid Id, string Name)? Workspace(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Guid.TryParse(user.FindFirst(WorkspaceClaim)?.Value, out var id) && user.FindFirst(WorkspaceNameClaim)?.Value is { Length: > 0 } name
            ? (id, name)
            : null;
    }
}

/// <summary>Configuration section <c>Ductus:ServiceToken</c>, read by the Api (signs) and the analytics worker (checks).</summary>
public sealed class ServiceTokenOptions
{
    public const string Section = "Ductus:ServiceToken";

    /// <summary>HMAC-SHA256 key shared by the Api and the worker (the AppHost's <c>service-token-key</c>).</summary>
    public string? SigningKey { get; set; }
}

public sealed class ServiceTokenOptionsValidator : IValidateOptions<ServiceTokenOptions>
{
    // 256 bits for HMAC-SHA256; the AppHost generates 64 characters.
    public const int MinimumKeyLength = 32;

    public ValidateOptionsResult Validate(string? name, ServiceTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var length = options.SigningKey?.Length ?? 0;
        return length < MinimumKeyLength
            ? ValidateOptionsResult.Fail($"{ServiceTokenOptions.Section}:SigningKey must be at least {MinimumKeyLength} characters (it has {length}); the AppHost passes its '{Resources.ServiceTokenKey}' parameter.")
            : ValidateOptionsResult.Success;
    }
}
