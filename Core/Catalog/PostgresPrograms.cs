namespace Ductus.Core.Catalog;

/// <summary>
/// Where a machine keeps PostgreSQL's programs (<c>postgres</c>, <c>initdb</c>, <c>pg_dump</c>,
/// <c>pg_restore</c>): the AppHost starts a local server with them, the CLI backs the catalog up.
/// </summary>
public static class PostgresPrograms
{
    /// <summary>The folders to search, in order: <paramref name="path"/> (a PATH value), then Debian's per-version folders, newest first.</summary>
    public static IReadOnlyList<string> SearchFolders(string? path)
    {
        var dirs = (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        // Debian and Ubuntu keep the server binaries out of PATH, one folder per major version.
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            dirs.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        return dirs;
    }

    /// <summary>The first <paramref name="name"/> in <paramref name="dirs"/>; null when none has it.</summary>
    public static string? Find(IEnumerable<string> dirs, string name) =>
        dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
