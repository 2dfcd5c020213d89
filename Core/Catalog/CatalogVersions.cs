namespace Ductus.Core.Catalog;

/// <summary>The parts of the catalog whose reads are cached, each with a version of its own.</summary>
public enum CatalogArea
{
    Datasets,
    Runs,
}

/// <summary>
/// A version token per workspace and catalog area, shared by every process (Redis in the
/// services). Writers change it after each commit that touches the area; readers cache what
/// they read under the token they saw <em>before</em> reading, so a reader can never keep a
/// result older than the last change it could have observed.
/// </summary>
public interface ICatalogVersions
{
    /// <summary>The current token, or null when it cannot be known (then nothing is cached).</summary>
    Task<string?> CurrentAsync(Guid workspaceId, CatalogArea area);

    /// <summary>Gives the area a new token; called after the change has committed.</summary>
    Task ChangedAsync(Guid workspaceId, CatalogArea area);
}
