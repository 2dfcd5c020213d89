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

    public static int? ClientRateLimit(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return int.TryParse(user.FindFirst(RateLimit)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0
            ? limit
            : null;
    }
}
