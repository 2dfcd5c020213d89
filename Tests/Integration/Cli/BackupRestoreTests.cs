using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.Catalog;
using Ductus.Core.Migrations;
using Ductus.Pipelines;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Cli;

/// <summary>
/// The restore drill: a stack (a catalog database and a lake folder on the stack's PostgreSQL)
/// with datasets in two workspaces, several snapshots and rejects is backed up with
/// <c>ductus backup</c>, destroyed, and restored with <c>ductus restore</c> into a new database
/// and a new lake folder; every snapshot of every dataset must read back the same rows.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class BackupRestoreTests(StackFixture stack) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(stack.DataDirectory, "drill-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<ScratchDatabase> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_destroyed_stack_restored_from_its_backup_reads_the_same_rows_in_every_snapshot()
    {
        var (source, sourceStack) = await StackWithDataAsync("a");
        var before = await SnapshotRowsAsync(source);
        var rejectsBefore = await RejectsAsync(source.ConnectionString);
        Assert.True(before.Count >= 4, "the drill stack should hold at least four snapshots");
        Assert.Equal(3, rejectsBefore.Count);

        var archive = Path.Combine(_root, "backup.tar.gz");
        var backup = await DuctusCommand.RunAsync("backup", archive, "--stack", sourceStack);
        Assert.True(backup.ExitCode == ExitCodes.Ok, backup.ToString());
        Assert.Contains($"backup {archive}: {before.Count} snapshot(s) of 3 dataset(s)", backup.Output, StringComparison.Ordinal);

        // Destroy: the database dropped, the lake deleted.
        await source.Database.DisposeAsync();
        _databases.Remove(source.Database);
        Directory.Delete(source.Lake, recursive: true);

        // A new stack: a database that does not exist yet and a lake folder of its own.
        var target = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        _databases.Add(target);
        var targetLake = Path.Combine(_root, "b", "lake");
        var targetStack = await DuctusCommand.WriteStackFileAsync(Path.Combine(_root, "b"), target.ConnectionString, targetLake);
        var restore = await DuctusCommand.RunAsync("restore", archive, "--stack", targetStack);
        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.ToString());
        Assert.Contains($"{before.Count} snapshot(s) of 3 dataset(s)", restore.Output, StringComparison.Ordinal);
        Assert.Contains("checksums verified", restore.Output, StringComparison.Ordinal);

        var restored = new DrillStack(target, targetLake);
        Assert.Equal(before, await SnapshotRowsAsync(restored));
        Assert.Equal(rejectsBefore, await RejectsAsync(target.ConnectionString));

        // The restored catalog is one the migrator and the services accept: a new run appends
        // as the services' role, under row-level security, on top of the restored snapshot.
        await new SchemaMigrator(target.DataSource).UpAsync();
        var run = await DuctusCommand.RunAsync("run", Path.Combine(_root, "specs", "orders.yaml"), "--source-root", Path.Combine(_root, "data"), "--stack", targetStack);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("succeeded (snapshot v3)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_refuses_a_stack_with_data_unless_forced_and_a_backup_whose_files_changed()
    {
        var (source, sourceStack) = await StackWithDataAsync("a");
        var before = await SnapshotRowsAsync(source);
        var folder = Path.Combine(_root, "backup");
        var backup = await DuctusCommand.RunAsync("backup", folder, "--stack", sourceStack);
        Assert.True(backup.ExitCode == ExitCodes.Ok, backup.ToString());
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json"))).RootElement;
        Assert.Equal(before.Count, manifest.GetProperty("snapshots").GetArrayLength());
        Assert.All(manifest.GetProperty("files").EnumerateArray(), f => Assert.Equal(64, f.GetProperty("sha256").GetString()!.Length));

        var again = await DuctusCommand.RunAsync("backup", folder, "--stack", sourceStack);
        Assert.True(again.ExitCode == ExitCodes.Refused, again.ToString());
        Assert.Contains("is not an empty folder", again.Errors, StringComparison.Ordinal);

        // Into the stack it came from: it has data, so only --force replaces it.
        var refused = await DuctusCommand.RunAsync("restore", folder, "--stack", sourceStack);
        Assert.True(refused.ExitCode == ExitCodes.Refused, refused.ToString());
        Assert.Contains("3 datasets", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("restore replaces a stack only with --force", refused.Errors, StringComparison.Ordinal);
        var forced = await DuctusCommand.RunAsync("restore", folder, "--force", "--stack", sourceStack);
        Assert.True(forced.ExitCode == ExitCodes.Ok, forced.ToString());
        Assert.Contains("the stack's previous catalog was replaced", forced.Output, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotRowsAsync(source));

        // A fresh stack whose migrator already ran; one byte of one lake file flipped in the backup.
        var target = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        _databases.Add(target);
        await new SchemaMigrator(target.DataSource).UpAsync();
        var targetLake = Path.Combine(_root, "c", "lake");
        var targetStack = await DuctusCommand.WriteStackFileAsync(Path.Combine(_root, "c"), target.ConnectionString, targetLake);
        var victim = manifest.GetProperty("files")[0].GetProperty("path").GetString()!;
        var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, victim));
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(folder, victim), bytes);
        var corrupt = await DuctusCommand.RunAsync("restore", folder, "--stack", targetStack);
        Assert.True(corrupt.ExitCode == ExitCodes.Failed, corrupt.ToString());
        Assert.Contains("does not match its manifest, nothing was restored", corrupt.Errors, StringComparison.Ordinal);
        Assert.Contains(victim, corrupt.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(targetLake), "a refused restore wrote into the lake");

        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(folder, victim), bytes);
        var restore = await DuctusCommand.RunAsync("restore", folder, "--stack", targetStack);
        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.ToString());
        Assert.Equal(before, await SnapshotRowsAsync(new DrillStack(target, targetLake)));
    }

    private sealed record DrillStack(ScratchDatabase Database, string Lake)
    {
        public string ConnectionString => Database.ConnectionString;
    }

    /// <summary>
    /// A migrated catalog with three datasets in two workspaces: <c>orders</c> appended twice
    /// (two snapshots, a reject each time), <c>customers</c> replaced, and <c>orders</c> again in
    /// a second workspace, all loaded with <c>ductus run</c>.
    /// </summary>
    private async Task<(DrillStack Stack, string StackFile)> StackWithDataAsync(string name)
    {
        var database = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        _databases.Add(database);
        await new SchemaMigrator(database.DataSource).UpAsync();
        await using (var app = NpgsqlDataSource.Create(CatalogRole.Adopt(database.ConnectionString)))
        {
            await new CatalogStore(app, TimeProvider.System).Workspaces.EnsureAsync("second");
        }

        var lake = Path.Combine(_root, name, "lake");
        var stackFile = await DuctusCommand.WriteStackFileAsync(Path.Combine(_root, name), database.ConnectionString, lake);
        var data = Path.Combine(_root, "data");
        var specs = Path.Combine(_root, "specs");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(specs);
        await File.WriteAllTextAsync(Path.Combine(data, "orders.csv"), "id,amount\n1,10\n2,-1\n3,30\n");
        await File.WriteAllTextAsync(Path.Combine(data, "customers.csv"), "id,amount\n7,70\n8,80\n");
        await File.WriteAllTextAsync(Path.Combine(specs, "orders.yaml"), CsvPipeline.Spec("orders", "orders.csv"));
        await File.WriteAllTextAsync(Path.Combine(specs, "customers.yaml"),
            CsvPipeline.Spec("customers", "customers.csv").Replace("mode: append", "mode: replace", StringComparison.Ordinal));

        foreach (var (spec, workspace) in new[] { ("orders", "default"), ("orders", "default"), ("customers", "default"), ("orders", "second") })
        {
            var run = await DuctusCommand.RunAsync("run", Path.Combine(specs, spec + ".yaml"), "--workspace", workspace, "--source-root", data, "--stack", stackFile);
            Assert.True(run.ExitCode == ExitCodes.Ok, $"ductus run {spec} in {workspace}: {run}");
        }

        return (new DrillStack(database, lake), stackFile);
    }

    /// <summary>Every snapshot's rows, read by DuckDB from the lake files the catalog lists for it, keyed <c>workspace/dataset@version</c>.</summary>
    private static async Task<SortedDictionary<string, string>> SnapshotRowsAsync(DrillStack drill)
    {
        var files = new Dictionary<string, List<string>>();
        await using (var db = NpgsqlDataSource.Create(drill.ConnectionString))
        await using (var command = db.CreateCommand("""
            SELECT w.name || '/' || s.dataset || '@' || s.version, f.path
              FROM snapshots s JOIN workspaces w ON w.id = s.workspace_id
              LEFT JOIN snapshot_files f ON (f.workspace_id, f.dataset, f.version) = (s.workspace_id, s.dataset, s.version)
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var key = reader.GetString(0);
                if (!files.TryGetValue(key, out var list))
                {
                    files[key] = list = [];
                }

                if (!reader.IsDBNull(1))
                {
                    list.Add(Path.Combine(drill.Lake, reader.GetString(1)));
                }
            }
        }

        var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        foreach (var (key, paths) in files)
        {
            if (paths.Count == 0)
            {
                rows[key] = string.Empty;
                continue;
            }

            await using var read = duck.CreateCommand();
            read.CommandText = $"SELECT * FROM read_parquet([{string.Join(", ", paths.Select(p => $"'{p}'"))}]) ORDER BY ALL";
            await using var reader = await read.ExecuteReaderAsync();
            var lines = new List<string>();
            while (await reader.ReadAsync())
            {
                lines.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
            }

            rows[key] = string.Join("\n", lines);
        }

        return rows;
    }

    /// <summary>Every reject with its run, rules and values, read past row-level security by the login.</summary>
    private static async Task<List<string>> RejectsAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("""
            SELECT concat_ws(' ', run_id, line, array_to_string(rules, ','), message, "values"::text)
              FROM rejects ORDER BY 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var rejects = new List<string>();
        while (await reader.ReadAsync())
        {
            rejects.Add(reader.GetString(0));
        }

        return rejects;
    }
}
