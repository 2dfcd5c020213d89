using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Ductus.Core.DuckDb;
using Ductus.Core.Pii;
using Ductus.Core.Quoting;

namespace Ductus.Analytics.Query;

/// <summary>
/// An in-memory DuckDB set up for one workspace and one set of snapshot files, locked down before
/// any query reaches it. Queries get connections of their own (<see cref="Connect"/>).
/// </summary>
internal sealed class SandboxInstance : IAsyncDisposable
{
    // What a statement could leave behind in the database itself (connection-local state dies
    // with the query's connection). duckdb_functions() (macros) is left out: it lists every
    // built-in and costs tens of milliseconds; a macro needs a CREATE, which the never-committed
    // transaction rolls back. One UNION ALL, not eight scalar sub-selects: DuckDB plans those as
    // an eight-way cross join and its join-order search was a tenth of the Analytics service's
    // CPU under a steady query load (perf, 2026-11-28), since every query checks this.
    private const string FingerprintSql = """
        SELECT string_agg(part, '|' ORDER BY position) FROM (
            SELECT 1 AS position, count(*)::VARCHAR AS part FROM duckdb_databases()
            UNION ALL SELECT 2, count(*)::VARCHAR FROM duckdb_schemas()
            UNION ALL SELECT 3, count(*)::VARCHAR FROM duckdb_tables()
            UNION ALL SELECT 4, coalesce(string_agg(view_name || ':' || sql, ';' ORDER BY view_name), '') FROM duckdb_views() WHERE NOT internal
            UNION ALL SELECT 5, count(*)::VARCHAR FROM duckdb_sequences()
            UNION ALL SELECT 6, count(*)::VARCHAR FROM duckdb_types() WHERE NOT internal
            UNION ALL SELECT 7, count(*)::VARCHAR FROM duckdb_indexes()
            UNION ALL SELECT 8, count(*)::VARCHAR FROM duckdb_variables())
        """;

    private const int MaxDescribed = 256;

    private readonly DuckDBConnection _database;
    private readonly Lock _connect = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<QueryColumn>> _described = new(StringComparer.Ordinal);
    private string _fingerprint = string.Empty;

    private SandboxInstance(DuckDBConnection database, string scratchFolder)
    {
        _database = database;
        ScratchFolder = scratchFolder;
    }

    /// <summary>The instance's private folder (spill files, Parquet results), emptied after each query, deleted with the instance.</summary>
    public string ScratchFolder { get; }

    public static async Task<SandboxInstance> CreateAsync(
        string workspaceFolder,
        IReadOnlyDictionary<string, IReadOnlyList<string>> views,
        QueryOptions options,
        ViewMasks? masks,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(options);
        // The trailing separator matters: DuckDB matches allowed directories by prefix, and
        // "/lake/acme" would otherwise also pass "/lake/acme-rival/...".
        var workspace = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspaceFolder)) + Path.DirectorySeparatorChar;
        var files = new List<string>();
        foreach (var (name, list) in views)
        {
            foreach (var file in list.Select(Path.GetFullPath))
            {
                if (!file.StartsWith(workspace, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Dataset '{name}' lists a file outside the workspace folder: {file}");
                }

                files.Add(file);
            }
        }

        var scratch = Path.Combine(options.ResolvedScratchDirectory, Guid.NewGuid().ToString("N")) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(scratch);

        var instance = new SandboxInstance(new DuckDBConnection("Data Source=:memory:"), scratch);
        try
        {
            await instance._database.OpenAsync(ct);
            await instance.RunAsync($"""
                SET memory_limit = {Sql.Literal(options.MemoryLimit)};
                SET threads = {options.Threads.ToString(CultureInfo.InvariantCulture)};
                SET temp_directory = {Sql.Literal(scratch)};
                SET parquet_metadata_cache = true;
                """, ct);
            foreach (var (name, list) in views)
            {
                // union_by_name: appends written before a column was added still read as one table.
                var relation = $"read_parquet({Sql.List(list)}, union_by_name = true)";
                var projection = masks?.Columns.FirstOrDefault(m => string.Equals(m.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } pii
                    ? PiiMasks.Projection(pii, await instance.ColumnNamesAsync(relation, ct), masks.Salt)
                    : null;
                await instance.RunAsync($"CREATE VIEW {Sql.Ident(name)} AS SELECT {projection ?? "*"} FROM {relation}", ct);
            }

            // Files are allowed one by one (allowed_paths matches the exact, canonical path), never
            // the workspace folder: a file no view lists — an older snapshot's, a deleted dataset's,
            // a failed run's leftover — stays out of reach even for a statement that names it.
            await DuckDbLockdown.Allowing([scratch], files).ApplyAsync(instance._database, ct);
            instance._fingerprint = instance.Fingerprint();
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new connection to this instance (same views, same locked configuration).</summary>
    public DuckDBConnection Connect()
    {
        DuckDBConnection connection;
        lock (_connect)
        {
            connection = _database.Duplicate();
        }

        connection.Open();
        return connection;
    }

    /// <summary>
    /// The result columns of <paramref name="sql"/> (<paramref name="describe"/> when not known yet).
    /// On a warm instance the same statement comes back again and again, and binding it once more
    /// only to learn its column types (DESCRIBE) costs milliseconds; the views and settings
    /// cannot change, so neither can the answer for the same text and parameter types.
    /// </summary>
    public IReadOnlyList<QueryColumn> Columns(string sql, IReadOnlyDictionary<string, object?>? parameters, Func<IReadOnlyList<QueryColumn>> describe)
    {
        var key = new StringBuilder(sql);
        foreach (var (name, value) in (parameters ?? new Dictionary<string, object?>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            key.Append('\u001f').Append(name).Append('=').Append(value?.GetType().FullName ?? "null");
        }

        var text = key.ToString();
        if (_described.TryGetValue(text, out var known))
        {
            return known;
        }

        var columns = describe();
        if (_described.Count >= MaxDescribed)
        {
            _described.Clear();
        }

        _described[text] = columns;
        return columns;
    }

    /// <summary>True when the catalog is still the one the instance was created with.</summary>
    public bool IsPristine() => string.Equals(Fingerprint(), _fingerprint, StringComparison.Ordinal);

    private string Fingerprint()
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = FingerprintSql;
        return (string?)command.ExecuteScalar() ?? string.Empty;
    }

    /// <summary>Deletes what the last query wrote (a Parquet result): the next one starts with an empty folder.</summary>
    public void ClearScratch()
    {
        try
        {
            foreach (var entry in new DirectoryInfo(ScratchFolder).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo folder)
                {
                    folder.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (IOException)
        {
            // A result file still open by a slow reader; the folder is only ever written by this instance.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        try
        {
            Directory.Delete(ScratchFolder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The columns <paramref name="relation"/> has, so a mask is applied only to a column the snapshot's files have.</summary>
    private async Task<IReadOnlyCollection<string>> ColumnNamesAsync(string relation, CancellationToken ct)
    {
        await using var command = _database.CreateCommand();
        command.CommandText = $"DESCRIBE SELECT * FROM {relation}";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var names = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task RunAsync(string sql, CancellationToken ct)
    {
        await using var command = _database.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
