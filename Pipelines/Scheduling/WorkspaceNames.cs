using System.Collections.Concurrent;
using Ductus.Core.Catalog;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// Workspace ids (what notices carry) to names (Quartz's job groups), remembered: a workspace's
/// name never changes, and notices arrive dozens a second under ingest.
/// </summary>
public sealed class WorkspaceNames(CatalogStore catalog)
{
    private readonly ConcurrentDictionary<Guid, string> _names = new();

    /// <summary>The workspace, or null when no workspace has this id.</summary>
    public async Task<WorkspaceRecord?> FindAsync(Guid id, CancellationToken ct)
    {
        if (_names.TryGetValue(id, out var cached))
        {
            return new WorkspaceRecord(id, cached);
        }

        if (await catalog.Workspaces.NameAsync(id, ct) is not { } name)
        {
            return null;
        }

        _names[id] = name;
        return new WorkspaceRecord(id, name);
    }
}
