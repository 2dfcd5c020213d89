namespace Ductus.Core.Auth;

/// <summary>
/// What a client may see, beside what its roles let it do. The database checks grants against
/// the same list (<c>api_clients.grants</c>), so a name added here goes into that check too.
/// </summary>
public static class Grants
{
    /// <summary>Personal data unmasked: without it every read path returns PII columns masked.</summary>
    public const string PiiRead = "pii:read";

    public static IReadOnlyList<string> All { get; } = [PiiRead];

    public static bool IsKnown(string grant) => All.Contains(grant, StringComparer.Ordinal);
}
