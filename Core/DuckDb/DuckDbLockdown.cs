using DuckDB.NET.Data;
using Ductus.Core.Quoting;

namespace Ductus.Core.DuckDb;

/// <summary>
/// Confines a DuckDB instance that runs SQL someone else wrote (a query, a transform, a contract
/// rule) or only parses it: no file or network access except the folders and files the caller
/// names, no extension installed or loaded, and the configuration locked so that none of this
/// can be set back. Applied last, after the caller's own setup (views, resource limits), which
/// may need the access it takes away; nothing can be allowed afterwards.
/// <para>
/// Folders are allowed by prefix (read and write, the instance's scratch and where it writes its
/// output); files by their exact canonical path (read only what was resolved for it, so a link or
/// a <c>..</c> cannot walk from an allowed file to its neighbours).
/// </para>
/// </summary>
public sealed class DuckDbLockdown
{
    private DuckDbLockdown(IReadOnlyList<string> directories, IReadOnlyList<string> files)
    {
        // DuckDB matches an allowed folder as a prefix: without the separator "/lake/acme" would
        // also open "/lake/acme-rival/...".
        Directories = [.. directories.Select(d => d.EndsWith(Path.DirectorySeparatorChar) ? d : d + Path.DirectorySeparatorChar)];
        Files = files;
    }

    /// <summary>Nothing on disk at all: for an instance that only parses.</summary>
    public static DuckDbLockdown Nothing { get; } = new([], []);

    /// <summary>The folders (with everything below them) and the single files the instance may still reach.</summary>
    public static DuckDbLockdown Allowing(IEnumerable<string> directories, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(files);
        return new([.. directories], [.. files]);
    }

    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// The statements, in the order DuckDB needs: the allow-lists can only be set while external
    /// access is still on, and the lock comes last.
    /// </summary>
    public string Statements
    {
        get
        {
            var allowed = (Directories.Count == 0 ? string.Empty : $"SET allowed_directories = {Sql.List(Directories)};\n")
                + (Files.Count == 0 ? string.Empty : $"SET allowed_paths = {Sql.List(Files)};\n");
            return allowed + """
                SET enable_external_access = false;
                SET autoinstall_known_extensions = false;
                SET autoload_known_extensions = false;
                SET lock_configuration = true;
                """;
        }
    }

    public void Apply(DuckDBConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Statements;
        command.ExecuteNonQuery();
    }

    public async Task ApplyAsync(DuckDBConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Statements;
        await command.ExecuteNonQueryAsync(ct);
    }
}
