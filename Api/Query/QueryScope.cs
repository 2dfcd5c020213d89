using System.Security.Claims;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;

namespace Ductus.Api.Query;

/// <summary>The caller's workspace and its datasets by name (any case): what a query is checked against.</summary>
public sealed record QueryScope(Guid Workspace, string WorkspaceName, IReadOnlyDictionary<string, DatasetRecord> Datasets)
{
    public static async Task<QueryScope> LoadAsync(CatalogStore catalog, ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var workspace = user.WorkspaceId();
        var datasets = (await catalog.Datasets.ListAsync(workspace, ct)).ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        return new QueryScope(workspace, user.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default", datasets);
    }

    /// <summary>Versions that pin <paramref name="dataset"/> to <paramref name="version"/>; null (read the current snapshot) without one.</summary>
    public static Dictionary<string, long>? Pin(string dataset, long? version) =>
        version is { } pinned ? new Dictionary<string, long> { [dataset] = pinned } : null;
}
