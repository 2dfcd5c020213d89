using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;

namespace Ductus.Api.Query;

/// <summary>The caller's workspace and its datasets by name (any case): what a query is checked against.</summary>
public sealed record QueryScope(Guid Workspace, string WorkspaceName, IReadOnlyDictionary<string, DatasetRecord> Datasets)
{
    /// <summary>Who reads, as personal data sees it: masked or not, and the name an unmasked read is audited under.</summary>
    public PiiReader Reader { get; init; } = PiiReader.Masked;

    public static async Task<QueryScope> LoadAsync(CatalogStore catalog, ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var workspace = user.WorkspaceId();
        var datasets = (await catalog.Datasets.ListAsync(workspace, ct)).ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        return new QueryScope(workspace, user.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default", datasets)
        {
            Reader = new PiiReader(user.CanReadPii(), user.Actor(), RequestAudit.RequestId()),
        };
    }

    /// <summary>Versions that pin <paramref name="dataset"/> to <paramref name="version"/>; null (read the current snapshot) without one.</summary>
    public static Dictionary<string, long>? Pin(string dataset, long? version) =>
        version is { } pinned ? new Dictionary<string, long> { [dataset] = pinned } : null;
}

/// <param name="CanReadPii">Holds <c>pii:read</c>: reads personal data unmasked, and each such read is audited.</param>
/// <param name="RequestId">The request's trace id, for the audit row.</param>
public sealed record PiiReader(bool CanReadPii, string Actor, string? RequestId)
{
    /// <summary>Anyone not known to hold the grant.</summary>
    public static PiiReader Masked { get; } = new(false, "unknown", null);
}
