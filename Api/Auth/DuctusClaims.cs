using System.Globalization;
using System.Security.Claims;

namespace Ductus.Api.Auth;

/// <summary>Claim names in Ductus tokens. External issuers must emit <see cref="Workspace"/> and <see cref="Role"/> too.</summary>
public static class DuctusClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Workspace = "ws";
    public const string WorkspaceName = "ws_name";

    /// <summary>The client's own rate limit (requests per window) when it has one.</summary>
    public const string RateLimit = "rate_limit";

    /// <summary>A grant the caller holds (<see cref="Core.Auth.Grants"/>), one claim each: <c>"grant": "pii:read"</c>.</summary>
    public const string Grant = "grant";

    /// <summary>
    /// The caller's workspace. Endpoints take it from here and never from the request, so a
    /// client cannot reach another workspace by naming it.
    /// </summary>
    public static Guid WorkspaceId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Guid.TryParse(user.FindFirst(Workspace)?.Value, out var id)
            ? id
            : throw new InvalidOperationException($"The authenticated principal carries no '{Workspace}' claim.");
    }

    /// <summary>Who to name in the audit log.</summary>
    public static string Actor(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirst(Subject)?.Value ?? "unknown";
    }

    /// <summary>The claims of <paramref name="client"/>, the same whether they travel in a bearer token or a session.</summary>
    public static IEnumerable<Claim> Of(AuthenticatedClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        yield return new Claim(Subject, client.ClientId);
        yield return new Claim(Workspace, client.WorkspaceId.ToString());
        yield return new Claim(WorkspaceName, client.WorkspaceName);
        foreach (var role in client.Roles)
        {
            yield return new Claim(Role, role);
        }

        foreach (var grant in client.Grants ?? [])
        {
            yield return new Claim(Grant, grant);
        }

        if (client.RateLimit is { } limit)
        {
            yield return new Claim(RateLimit, limit.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer32);
        }
    }

    /// <summary>Whether the caller reads personal data unmasked (<see cref="Core.Auth.Grants.PiiRead"/>).</summary>
    public static bool CanReadPii(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.HasClaim(Grant, Core.Auth.Grants.PiiRead);
    }

    public static int? ClientRateLimit(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return int.TryParse(user.FindFirst(RateLimit)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0
            ? limit
            : null;
    }
}
