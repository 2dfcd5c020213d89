using System.Formats.Tar;
using System.IO.Compression;

namespace Ductus.Cli.Backup;

/// <summary>
/// Where a backup lives: a folder, or a <c>.tar.gz</c> of that same folder. Both commands work on
/// a folder; an archive is packed from one after a backup and unpacked into one before a restore.
/// </summary>
internal static class BackupLocation
{
    public static bool IsArchive(string path) =>
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The folder a backup to <paramref name="target"/> is written in: the target itself, or a
    /// staging folder beside the archive. Refuses a target that already holds something.
    /// </summary>
    public static string PrepareTarget(string target)
    {
        var full = Path.GetFullPath(target);
        if (IsArchive(full))
        {
            if (File.Exists(full))
            {
                throw new RefusedException($"{target} exists; a backup never overwrites one.");
            }

            var staging = full + ".staging";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            Directory.CreateDirectory(staging);
            return staging;
        }

        if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
        {
            throw new RefusedException($"{target} is not an empty folder; a backup never overwrites one.");
        }

        Directory.CreateDirectory(full);
        return full;
    }

    /// <summary>For an archive target, packs the staging folder into it and removes the folder.</summary>
    public static async Task FinishAsync(string target, string folder, CancellationToken ct)
    {
        var full = Path.GetFullPath(target);
        if (!IsArchive(full))
        {
            return;
        }

        await using (var file = File.Create(full + ".partial"))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            // Parquet is compressed already; gzip's fastest level keeps the archive step cheap.
            await TarFile.CreateFromDirectoryAsync(folder, gzip, includeBaseDirectory: false, ct);
        }

        File.Move(full + ".partial", full);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The folder to restore from: <paramref name="source"/> itself, or a temporary unpacking of the archive (deleted by the caller).</summary>
    public static async Task<(string Folder, bool Temporary)> OpenAsync(string source, CancellationToken ct)
    {
        var full = Path.GetFullPath(source);
        if (!IsArchive(full))
        {
            return Directory.Exists(full)
                ? (full, false)
                : throw new CommandFailedException($"There is no backup folder {source}.");
        }

        if (!File.Exists(full))
        {
            throw new CommandFailedException($"There is no backup archive {source}.");
        }

        var folder = Directory.CreateTempSubdirectory("ductus-restore-").FullName;
        try
        {
            await using var file = File.OpenRead(full);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            // Extraction refuses entries that would land outside the folder.
            await TarFile.ExtractToDirectoryAsync(gzip, folder, overwriteFiles: false, ct);
            return (folder, true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            Directory.Delete(folder, recursive: true);
            throw new CommandFailedException($"{source} is not a readable .tar.gz: {e.Message}");
        }
    }
}
