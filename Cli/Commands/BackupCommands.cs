using System.Globalization;
using Ductus.Cli.Backup;
using Ductus.Pipelines;

namespace Ductus.Cli.Commands;

/// <summary><c>ductus backup</c> and <c>ductus restore</c>: the catalog and the lake, straight from the stack's database and folder.</summary>
internal static class BackupCommands
{
    private const string StackHelp = """

          --stack FILE     the stack file (default: .ductus/stack.json of this repository, or
                           ConnectionStrings__ductus + Ductus__Lake__Root from the environment)

        The database login must bypass row-level security (a superuser or BYPASSRLS), as pg_dump
        and pg_restore need; they are found on PATH, under /usr/lib/postgresql/*/bin or in DUCTUS_PG_BIN.
        """;

    public static readonly Command Backup = new(
        "backup",
        "Back up the catalog and the lake files of every retained snapshot",
        """
        usage: ductus backup DIR|FILE.tar.gz [--stack FILE]

          DIR              an empty or new folder: manifest.json, catalog.dump (pg_dump, custom
                           format) and lake/ (the files of every snapshot the catalog holds)
          FILE.tar.gz      the same folder as one archive (never overwrites an existing one)

        One consistent instant: the dump and the files are those of a single catalog snapshot.
        The manifest lists every snapshot and every file with its size and SHA-256.
        """ + StackHelp,
        ["stack"],
        [],
        BackupAsync);

    public static readonly Command Restore = new(
        "restore",
        "Restore a backup into a fresh stack (empty or just migrated)",
        """
        usage: ductus restore DIR|FILE.tar.gz [--force] [--stack FILE]

          DIR|FILE.tar.gz  a backup written by ductus backup
          --force          replace a stack that holds datasets, pipelines, runs or lake files

        Checks every file's SHA-256 first and restores nothing if one differs. Then copies the lake
        files and restores the catalog (pg_restore), and checks the catalog holds exactly the
        backup's snapshots. Run it with the stack's services stopped; their next start migrates
        the catalog to the current schema.
        """ + StackHelp,
        ["stack"],
        ["force"],
        RestoreAsync);

    private static async Task<int> BackupAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals("DIR|FILE.tar.gz");
        var stack = context.Stack(args);
        var target = args.Positional[0];
        var folder = BackupLocation.PrepareTarget(target);
        var manifest = await new CatalogBackup(stack, context.Environment, TimeProvider.System).WriteAsync(folder, ct);
        await BackupLocation.FinishAsync(target, folder, ct);
        var c = CultureInfo.InvariantCulture;
        await context.Output.WriteLineAsync(string.Create(c,
            $"backup {target}: {manifest.Snapshots.Count} snapshot(s) of {Datasets(manifest)} dataset(s), {manifest.Files.Count} lake file(s) ({manifest.Files.Sum(f => f.Bytes):N0} bytes), catalog dump {manifest.Catalog.Bytes:N0} bytes, schema version {manifest.SchemaVersion}"));
        return ExitCodes.Ok;
    }

    private static async Task<int> RestoreAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals("DIR|FILE.tar.gz");
        var stack = context.Stack(args);
        var (folder, temporary) = await BackupLocation.OpenAsync(args.Positional[0], ct);
        try
        {
            var result = await new CatalogRestore(stack, context.Environment).RestoreAsync(folder, args.Flag("force"), ct);
            var manifest = result.Manifest;
            var replaced = result.Replaced ? "; the stack's previous catalog was replaced" : string.Empty;
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"restored {args.Positional[0]} (taken {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss'Z'}): {manifest.Snapshots.Count} snapshot(s) of {Datasets(manifest)} dataset(s), {manifest.Files.Count} lake file(s) ({result.LakeBytes:N0} bytes), checksums verified, schema version {manifest.SchemaVersion}{replaced}"));
            return ExitCodes.Ok;
        }
        finally
        {
            if (temporary)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static int Datasets(BackupManifest manifest) => manifest.Snapshots.Select(s => (s.Workspace, s.Dataset)).Distinct().Count();
}
