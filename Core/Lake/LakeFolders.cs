namespace Ductus.Core.Lake;

/// <summary>Names that become one folder of the lake (<c>&lt;root&gt;/&lt;workspace&gt;/&lt;dataset&gt;</c>).</summary>
public static class LakeFolders
{
    /// <summary>Non-empty, no separator, not <c>.</c> or <c>..</c>: the name cannot step out of its parent.</summary>
    public static bool IsSingleFolderName(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\\']) < 0 && name is not ("." or "..");
}
