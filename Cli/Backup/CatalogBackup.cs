using Ductus.Core.Contracts;
using Npgsql;

namespace Ductus.Cli.Backup;

/// <summary>
/// <c>ductus backup</c>: the catalog and the lake files of every retained snapshot, as of one
/// instant. A repeatable-read transaction exports its snapshot; <c>pg_dump --snapshot</c> dumps
/// exactly what that transaction sees, and the files copied are the ones it lists, so the dump
/// and the files agree even while runs commit. Lake files are immutable once written, so copying
/// them while the transaction stays open is as good as copying them at its start.
/// </summary>
internal sealed class CatalogBackup(StackInfo stack, Func<string, string?> environment, TimeProvider time)
{
    public async Task<BackupManifest> WriteAsync(string folder, CancellationToken ct)
    {
        var database = stack.Database ?? throw new StackNotFoundException("The stack names no catalog database.");
        var lakeRoot = Path.GetFullPath(stack.LakeRoot);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var exported = await ScalarAsync<string>(connection, tx, "SELECT pg_export_snapshot()", ct);
        var (schema, snapshots, files) = await ReadCatalogAsync(connection, tx, ct);

        var dump = Path.Combine(folder, BackupManifest.CatalogFile);
        await PgTool.RunAsync("pg_dump", ["--format=custom", $"--snapshot={exported}", $"--file={dump}", "--no-password"], database, environment, ct);

        var copied = new List<BackupFile>(files.Count);
        foreach (var relative in files)
        {
            var source = Path.Combine(lakeRoot, relative);
            if (!BackupManifest.IsInside(relative) || !File.Exists(source))
            {
                // Retention may expire a snapshot and the collector delete its files while this
                // copies; the catalog and the lake then disagree about this instant, so start over.
                throw new CommandFailedException($"Lake file {relative} of a retained snapshot is not under {lakeRoot}: the lake does not match the catalog (deleted meanwhile, or the wrong lake folder). Run the backup again.");
            }

            var path = $"{BackupManifest.LakeFolder}/{relative}";
            var (bytes, sha256) = await FileDigest.CopyAsync(source, Path.Combine(folder, path), ct);
            copied.Add(new BackupFile(path, bytes, sha256));
        }

        await tx.CommitAsync(ct);
        var (dumpBytes, dumpSha) = await FileDigest.HashAsync(dump, ct);
        var manifest = new BackupManifest(BackupManifest.CurrentFormat, time.GetUtcNow(), schema,
            new BackupFile(BackupManifest.CatalogFile, dumpBytes, dumpSha), snapshots, copied);
        await manifest.WriteAsync(folder, ct);
        return manifest;
    }

    private static async Task<(int Schema, List<BackupSnapshot> Snapshots, List<string> Files)> ReadCatalogAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (await ScalarAsync<bool>(connection, tx, "SELECT to_regclass('public.ductus_schema_history') IS NULL", ct))
        {
            throw new CommandFailedException($"Database '{connection.Database}' holds no Ductus catalog (no ductus_schema_history).");
        }

        // Every workspace at once, as pg_dump reads them: the login must bypass row-level
        // security (a superuser, or BYPASSRLS), and says so here rather than dumping nothing.
        await using (var off = new NpgsqlCommand("SET LOCAL row_security = off", connection, tx))
        {
            await off.ExecuteNonQueryAsync(ct);
        }

        var schema = await ScalarAsync<int>(connection, tx, "SELECT coalesce(max(version), 0) FROM ductus_schema_history", ct);
        var snapshots = new List<BackupSnapshot>();
        await using (var command = new NpgsqlCommand("""
            SELECT s.workspace_id, w.name, s.dataset, s.version, s.row_count, s.file_count
              FROM snapshots s JOIN workspaces w ON w.id = s.workspace_id
             ORDER BY w.name, s.dataset, s.version
            """, connection, tx))
        await using (var reader = await ReadAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                snapshots.Add(new BackupSnapshot(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt32(5)));
            }
        }

        var files = new List<string>();
        await using (var command = new NpgsqlCommand("SELECT DISTINCT path FROM snapshot_files ORDER BY path", connection, tx))
        await using (var reader = await ReadAsync(command, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                files.Add(reader.GetString(0));
            }
        }

        return (schema, snapshots, files);
    }

    private static async Task<NpgsqlDataReader> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        try
        {
            return await command.ExecuteReaderAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new CommandFailedException($"The stack's login cannot read every workspace ({e.MessageText}); back up as a superuser or a role with BYPASSRLS, as pg_dump needs too.");
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
