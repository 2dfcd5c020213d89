using System.Text;
using System.Text.RegularExpressions;

namespace Ductus.Core.Specs;

/// <summary>What a source path resolved to: local files (real paths, sorted) or a URL, or why not.</summary>
public sealed record SourceResolution(IReadOnlyList<string> Files, Uri? Url, string? Error)
{
    public bool IsUrl => Url is not null;
}

/// <summary>
/// The folders a spec may read local files from. A spec can arrive through the API, so a path
/// must never reach the server's other files: absolute paths outside the roots, <c>..</c> and
/// symbolic links whose target lies outside are all refused. A link out of the roots counts as
/// no file at all (a glob skips it), so the answer for a path outside is the same whether or
/// not something exists there.
/// </summary>
public sealed class SourceRoots
{
    private readonly string[] roots;

    private SourceRoots()
    {
        roots = [];
    }

    /// <summary>No folder at all: every local path is refused (a workspace granted no source root).</summary>
    public static SourceRoots None { get; } = new();

    public SourceRoots(string root)
        : this([root])
    {
    }

    public SourceRoots(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        this.roots = [.. roots.Select(r => RealPath(Path.GetFullPath(r)))];
        if (this.roots.Length == 0)
        {
            throw new ArgumentException("At least one source root is required.", nameof(roots));
        }
    }

    public IReadOnlyList<string> Roots => roots;

    /// <summary>The repository's <c>data/</c> folder (next to <c>Solution.sln</c>), searched upwards from <paramref name="start"/>.</summary>
    public static string RepositoryDataFolder(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Solution.sln")))
            {
                return Path.Combine(dir.FullName, "data");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "data");
    }

    public static bool IsUrl(string path) =>
        path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Resolves a spec path (relative to a root, absolute inside one, or with <c>*</c>/<c>?</c>/<c>**</c> wildcards).</summary>
    public SourceResolution Resolve(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return Fail("is required");
        }

        if (IsUrl(path))
        {
            return Uri.TryCreate(path, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host)
                ? new SourceResolution([], uri, null)
                : Fail($"'{path}' is not a valid URL");
        }

        if (path.Contains("://", StringComparison.Ordinal))
        {
            return Fail("only local paths under the source roots and http(s) URLs are supported");
        }

        if (roots.Length == 0)
        {
            return Fail("no source folder is granted to this workspace: use an http(s) URL, or ask an operator to grant one");
        }

        var segments = path.Replace('\\', '/').Split('/');
        if (segments.Contains(".."))
        {
            return Fail("'..' is not allowed: paths must stay under the source roots");
        }

        IEnumerable<string> candidates = Path.IsPathRooted(path)
            ? [Path.GetFullPath(path)]
            : roots.Select(r => Path.GetFullPath(Path.Combine(r, path)));

        var outside = true;
        foreach (var candidate in candidates)
        {
            var root = roots.FirstOrDefault(r => IsUnder(candidate, r));
            if (root is null)
            {
                continue;
            }

            outside = false;
            var files = HasWildcard(candidate) ? Glob(root, candidate) : File.Exists(candidate) ? [candidate] : [];
            if (files.Count == 0)
            {
                continue;
            }

            // DuckDB is handed these real paths, never the links, so it cannot be led outside either.
            var real = files.Select(RealPath).Where(target => roots.Any(r => IsUnder(target, r))).ToList();
            if (real.Count > 0)
            {
                return new SourceResolution(real, null, null);
            }
        }

        return outside
            ? Fail("absolute paths must be under a source root")
            : Fail(HasWildcard(path) ? "no file matches" : "file not found");
    }

    private static SourceResolution Fail(string message) => new([], null, message);

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool HasWildcard(string path) => path.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    private static List<string> Glob(string root, string pattern)
    {
        // Walk from the deepest folder without wildcards, so a pattern never lists more than it could match.
        var relative = Path.GetRelativePath(root, pattern).Replace('\\', '/');
        var parts = relative.Split('/');
        var fixedCount = parts.TakeWhile(p => !HasWildcard(p)).Count();
        var baseDir = Path.Combine([root, .. parts.Take(fixedCount)]);
        if (!Directory.Exists(baseDir))
        {
            return [];
        }

        var rest = parts.Skip(fixedCount).ToArray();
        var body = string.Join("/", rest.Select(GlobPart)).Replace("(?:.*)/", "(?:.*/)?", StringComparison.Ordinal);
        var regex = new Regex("^" + body + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var options = new EnumerationOptions { RecurseSubdirectories = rest.Length > 1 || rest.Contains("**"), AttributesToSkip = FileAttributes.None, IgnoreInaccessible = true };
        return [.. Directory.EnumerateFiles(baseDir, "*", options)
            .Where(f => regex.IsMatch(Path.GetRelativePath(baseDir, f).Replace('\\', '/')))
            .Order(StringComparer.Ordinal)];
    }

    private static string GlobPart(string part)
    {
        if (part == "**")
        {
            return "(?:.*)";
        }

        var sb = new StringBuilder();
        foreach (var c in part)
        {
            sb.Append(c switch
            {
                '*' => "[^/]*",
                '?' => "[^/]",
                _ => Regex.Escape(c.ToString()),
            });
        }

        return sb.ToString();
    }

    /// <summary>The path with every symbolic link along it followed, like realpath(3).</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                next = RealPath(target.FullName);
            }

            current = next;
        }

        return current;
    }
}
