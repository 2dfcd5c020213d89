namespace Ductus.Core.Auth;

/// <summary>
/// The four roles a client can hold. The database checks roles against the same list, so a
/// name added here must be added to the <c>api_clients</c> check constraint too.
/// </summary>
public static class Roles
{
    /// <summary>Workspaces and API keys.</summary>
    public const string Admin = "admin";

    /// <summary>Pipelines, runs and ingest.</summary>
    public const string Engineer = "engineer";

    /// <summary>Catalog, queries and reading rejected rows.</summary>
    public const string Analyst = "analyst";

    /// <summary>Pushing records, nothing else.</summary>
    public const string Ingest = "ingest";

    public static IReadOnlyList<string> All { get; } = [Admin, Engineer, Analyst, Ingest];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
