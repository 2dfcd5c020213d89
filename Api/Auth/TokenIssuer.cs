using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ductus.Api.Auth;

/// <summary>An API client that has proven its secret, as the token describes it.</summary>
/// <param name="Grants">What it may see beside what its roles let it do (<see cref="Core.Auth.Grants"/>); null is none.</param>
public sealed record AuthenticatedClient(string ClientId, Guid WorkspaceId, string WorkspaceName, IReadOnlyList<string> Roles, int? RateLimit, IReadOnlyList<string>? Grants = null);

public sealed record IssuedToken(string AccessToken, TimeSpan Lifetime);

/// <summary>Signs short-lived JWTs for clients that exchanged their key at <c>/auth/token</c>.</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public static SymmetricSecurityKey SigningKey(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey ?? string.Empty)) { KeyId = "ductus-hs256" };
    }

    public IssuedToken Issue(AuthenticatedClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;

        var identity = new ClaimsIdentity(DuctusClaims.Of(client));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = identity,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.TokenLifetime,
            SigningCredentials = new SigningCredentials(SigningKey(settings), SecurityAlgorithms.HmacSha256),
        };
        return new IssuedToken(_handler.CreateToken(descriptor), settings.TokenLifetime);
    }
}
