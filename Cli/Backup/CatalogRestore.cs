using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Ductus.Core.Migrations;
using Ductus.Core.Quoting;
using Npgsql;

namespace Ductus.Cli.Backup;

/// <summary>
/// <c>ductus restore</c>: checks every file of a backup against its manifest, then brings a stack
/// whose catalog and lake are empty (or, with force, replaced) back to exactly the backup's
/// snapshots. The lake files go first: should the catalog restore fail, the lake only holds
/// files nothing references, which the collector removes, never a snapshot whose files are gone.
/// </summary>
internal sealed class CatalogRestore(StackInfo stack, Func<string, string?> environment)
{
    private static readonly string[] CatalogTables = ["datasets", "pipelines", "runs"];

    public async Task<RestoreResult> RestoreAsync(string folder, bool force, CancellationToken ct)
    {
        var manifest = await BackupManifest.ReadAsync(folder, ct);
        var problems = await manifest.VerifyAsync(folder, ct);
        if (problems.Count > 0)
        {
            throw new CommandFailedException($"The backup does not match its manifest, nothing was restored ({problems.Count} problem(s)):\n  "
                + string.Join("\n  ", problems.Take(20)));
        }

        var database = stack.Database ?? throw new StackNotFoundException("The stack names no catalog database.");
        var lakeRoot = Path.GetFullPath(stack.LakeRoot);
        await DatabaseBootstrap.EnsureDatabaseExistsAsync(database, ct);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        var (occupied, hasTables) = await OccupiedAsync(connection, lakeRoot, ct);
        if (occupied.Count > 0 && !force)
        {
            throw new RefusedException($"The target stack is not empty ({string.Join(", ", occupied)}); restore replaces a stack only with --force.");
        }

        foreach (var file in manifest.Files)
        {
            if (!file.Path.StartsWith(BackupManifest.LakeFolder + "/", StringComparison.Ordinal))
            {
                throw new CommandFailedException($"The manifest lists {file.Path} as a lake file; lake files are under {BackupManifest.LakeFolder}/.");
            }

            var relative = file.Path[(BackupManifest.LakeFolder.Length + 1)..];
            var (bytes, sha256) = await FileDigest.CopyAsync(Path.Combine(folder, file.Path), Path.Combine(lakeRoot, relative), ct);
            if (bytes != file.Bytes || sha256 != file.Sha256)
            {
                throw new CommandFailedException($"{relative} changed while it was copied into the lake; run the restore again.");
            }
        }

        // Roles belong to the cluster: a new one lacks the role the catalog's grants name.
        await CatalogRole.EnsureExistsAsync(connection, ct);
        if (hasTables)
        {
            await ClearAsync(connection, ct);
        }

        await PgTool.RunAsync("pg_restore",
            ["--no-owner", "--exit-on-error", "--single-transaction", "--no-password", $"--dbname={connection.Database}", Path.Combine(folder, BackupManifest.CatalogFile)],
            database, environment, ct);
        await CheckSnapshotsAsync(connection, manifest, ct);
        return new RestoreResult(manifest, manifest.Files.Sum(f => f.Bytes), occupied.Count > 0);
    }

    /// <summary>What the target already holds: catalog rows, other tables, lake files; empty when it is fresh.</summary>
    private static async Task<(List<string> Found, bool HasTables)> OccupiedAsync(NpgsqlConnection connection, string lakeRoot, CancellationToken ct)
    {
        var found = new List<string>();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p')
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        if (tables.Count > 0 && !tables.Contains("ductus_schema_history"))
        {
            found.Add($"{tables.Count} table(s) that are not a Ductus catalog");
        }

        await using (var off = new NpgsqlCommand("SET row_security = off", connection))
        {
            await off.ExecuteNonQueryAsync(ct);
        }

        foreach (var table in CatalogTables.Where(tables.Contains))
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            if ((long)(await count.ExecuteScalarAsync(ct))! is var rows and > 0)
            {
                found.Add($"{rows:N0} {table}");
            }
        }

        if (Directory.Exists(lakeRoot) && Directory.EnumerateFiles(lakeRoot, "*", SearchOption.AllDirectories).Count() is var files and > 0)
        {
            found.Add($"{files:N0} file(s) in the lake {lakeRoot}");
        }

        return (found, tables.Count > 0);
    }

    /// <summary>
    /// Drops every schema of the database (the catalog's <c>public</c> and Quartz's <c>quartz</c>)
    /// and makes an empty <c>public</c>: a migrated catalog, or one replaced with force, goes as a
    /// whole, so that the dump's schema, not a newer one, is what the migrator next brings up to date.
    /// </summary>
    private static async Task ClearAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var schemas = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'", connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                schemas.Add(reader.GetString(0));
            }
        }

        var drops = string.Concat(schemas.Select(s => $"DROP SCHEMA {Sql.Ident(s)} CASCADE; "));
        await using var clear = new NpgsqlCommand(drops + "CREATE SCHEMA public", connection);
        await clear.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The restored catalog holds exactly the manifest's snapshots, or the restore failed.</summary>
    private static async Task CheckSnapshotsAsync(NpgsqlConnection connection, BackupManifest manifest, CancellationToken ct)
    {
        var restored = new HashSet<(Guid, string, long)>();
        await using var command = new NpgsqlCommand("SELECT workspace_id, dataset, version FROM snapshots", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            restored.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2)));
        }

        var expected = manifest.Snapshots.Select(s => (s.Workspace, s.Dataset, s.Version)).ToHashSet();
        if (!restored.SetEquals(expected))
        {
            throw new CommandFailedException($"The restored catalog holds {restored.Count} snapshot(s), the manifest lists {expected.Count}: the dump and the manifest disagree.");
        }
    }
}

/// <param name="Replaced">Whether the target held something that the restore replaced (with force).</param>
internal sealed record RestoreResult(BackupManifest Manifest, long LakeBytes, bool Replaced);
