using System.Security.Cryptography;
using System.Text.Json;

namespace Ductus.Cli.Backup;

/// <summary>
/// <c>manifest.json</c> of a backup: what it holds and how to check it. Written last, so a
/// folder without one is a backup that did not finish.
/// </summary>
/// <param name="Format">The layout's version; a restore refuses one it does not know.</param>
/// <param name="SchemaVersion">The catalog's highest applied migration when it was dumped.</param>
/// <param name="Catalog">The <c>pg_dump</c> of the catalog database (custom format).</param>
/// <param name="Snapshots">Every snapshot the catalog held: the restore brings back exactly these.</param>
/// <param name="Files">Every lake file those snapshots reference, under <c>lake/</c>.</param>
internal sealed record BackupManifest(
    int Format,
    DateTimeOffset CreatedAt,
    int SchemaVersion,
    BackupFile Catalog,
    IReadOnlyList<BackupSnapshot> Snapshots,
    IReadOnlyList<BackupFile> Files)
{
    public const int CurrentFormat = 1;
    public const string FileName = "manifest.json";
    public const string CatalogFile = "catalog.dump";
    public const string LakeFolder = "lake";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task WriteAsync(string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, FileName);
        await using (var file = File.Create(path + ".partial"))
        {
            await JsonSerializer.SerializeAsync(file, this, Json, ct);
        }

        File.Move(path + ".partial", path, overwrite: true);
    }

    public static async Task<BackupManifest> ReadAsync(string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new CommandFailedException($"{folder} holds no {FileName}: it is not a ductus backup, or its backup did not finish.");
        }

        await using var file = File.OpenRead(path);
        var manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(file, Json, ct)
            ?? throw new CommandFailedException($"{path} is empty.");
        return manifest.Format == CurrentFormat
            ? manifest
            : throw new CommandFailedException($"{path} is backup format {manifest.Format}; this ductus reads format {CurrentFormat}.");
    }

    /// <summary>
    /// Each file's size and SHA-256 against the folder; the problems found, none when the backup
    /// is whole. Paths that would step out of the folder count as problems, not as files to read.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(string folder, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var entry in Files.Prepend(Catalog))
        {
            if (!IsInside(entry.Path))
            {
                problems.Add($"{entry.Path}: not a path inside the backup");
                continue;
            }

            var path = Path.Combine(folder, entry.Path);
            if (!File.Exists(path))
            {
                problems.Add($"{entry.Path}: missing");
                continue;
            }

            var (bytes, sha256) = await FileDigest.HashAsync(path, ct);
            if (bytes != entry.Bytes || sha256 != entry.Sha256)
            {
                problems.Add($"{entry.Path}: {bytes:N0} bytes with SHA-256 {sha256[..12]}…, the manifest says {entry.Bytes:N0} bytes with {entry.Sha256[..Math.Min(12, entry.Sha256.Length)]}…");
            }
        }

        return problems;
    }

    /// <summary>A relative path that stays under its root (no <c>..</c> step, not rooted).</summary>
    public static bool IsInside(string relative) =>
        !string.IsNullOrEmpty(relative) && !Path.IsPathRooted(relative)
        && !relative.Split('/', '\\').Any(part => part is ".." or "");
}

/// <summary>A file of the backup, by its path inside it (<c>/</c>-separated).</summary>
internal sealed record BackupFile(string Path, long Bytes, string Sha256);

/// <summary>One snapshot the backup restores: a dataset's version in a workspace.</summary>
internal sealed record BackupSnapshot(Guid Workspace, string WorkspaceName, string Dataset, long Version, long Rows, int Files);

/// <summary>Sizes and SHA-256 digests, computed while copying so every byte is read once.</summary>
internal static class FileDigest
{
    public static async Task<(long Bytes, string Sha256)> HashAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(file, ct);
        return (file.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> (through a <c>.partial</c> file moved into place) and digests it on the way.</summary>
    public static async Task<(long Bytes, string Sha256)> CopyAsync(string from, string to, CancellationToken ct)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
        var partial = to + ".partial";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        await using (var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        await using (var target = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
                bytes += read;
            }
        }

        File.Move(partial, to, overwrite: true);
        return (bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
