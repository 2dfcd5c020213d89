using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Ductus.Core.DuckDb;
using Ductus.Core.Quoting;
using Microsoft.Extensions.Options;

namespace Ductus.Analytics.Query;

/// <summary>
/// Warm sandbox instances, each serving one query at a time, keyed by the workspace folder and the
/// exact files of every view. Opening a DuckDB instance, creating its views and reading the
/// Parquet footers again cost more than a typical aggregate over a few million rows; a warm
/// instance keeps all of that (and the footers, <c>parquet_metadata_cache</c>).
/// <para>
/// An instance never serves another workspace or other snapshot versions (they are in its key) and
/// stays locked down for its whole life (external access off, only its views' files and its scratch
/// folder allowed, configuration locked; nothing of this can be set once locked). Each query runs on a new connection inside a
/// transaction that is never committed (<see cref="QuerySandbox"/>), and before an instance goes
/// back to the pool its catalog is compared with the one it was created with: any difference
/// (a table, view, schema, attached database, sequence, type, index or variable that a statement
/// managed to leave behind) and it is dropped instead.
/// </para>
/// </summary>
public sealed class SandboxPool : IAsyncDisposable
{
    private readonly QueryOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    // Most recently returned first; the pool is small, so a list is fine.
    private readonly LinkedList<(string Key, SandboxInstance Instance, long ReturnedAt)> _idle = new();
    private readonly ITimer _sweeper;
    private long _discarded;
    private bool _disposed;

    public SandboxPool(IOptions<QueryOptions> options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        var every = _options.PoolIdleTime / 2;
        _sweeper = _time.CreateTimer(_ => Sweep(), null, every, every);
    }

    /// <summary>Instances waiting for their next query.</summary>
    public int Idle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Instances dropped on return because a query changed their catalog.</summary>
    public long Discarded => Interlocked.Read(ref _discarded);

    /// <summary>A sandbox over a warm instance with exactly these views, or a new one.</summary>
    /// <param name="workspaceFolder">The workspace's lake folder, which every view file must be inside.</param>
    /// <param name="views">View name → absolute paths of the Parquet files it reads, the only lake files the instance may read.</param>
    public async Task<QuerySandbox> OpenAsync(string workspaceFolder, IReadOnlyDictionary<string, IReadOnlyList<string>> views, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        var key = Key(workspaceFolder, views);
        var instance = Take(key) ?? await SandboxInstance.CreateAsync(workspaceFolder, views, _options, ct);
        return await QuerySandbox.LeaseAsync(instance, i => ReturnAsync(key, i), ct);
    }

    private SandboxInstance? Take(string key)
    {
        lock (_gate)
        {
            for (var node = _idle.First; node is not null; node = node.Next)
            {
                if (string.Equals(node.Value.Key, key, StringComparison.Ordinal))
                {
                    _idle.Remove(node);
                    return node.Value.Instance;
                }
            }
        }

        return null;
    }

    private ValueTask ReturnAsync(string key, SandboxInstance instance)
    {
        // Checked off the response path: the caller's result is complete by now.
        _ = Task.Run(async () =>
        {
            bool pristine;
            try
            {
                pristine = instance.IsPristine();
            }
            catch (DuckDBException)
            {
                pristine = false;
            }

            if (!pristine)
            {
                Interlocked.Increment(ref _discarded);
            }

            var evicted = new List<SandboxInstance>();
            lock (_gate)
            {
                if (pristine && !_disposed && _options.PoolSize > 0)
                {
                    _idle.AddFirst((key, instance, _time.GetTimestamp()));
                    while (_idle.Count > _options.PoolSize)
                    {
                        evicted.Add(_idle.Last!.Value.Instance);
                        _idle.RemoveLast();
                    }
                }
                else
                {
                    evicted.Add(instance);
                }
            }

            foreach (var old in evicted)
            {
                await old.DisposeAsync();
            }
        });
        return ValueTask.CompletedTask;
    }

    private void Sweep()
    {
        var evicted = new List<SandboxInstance>();
        lock (_gate)
        {
            for (var node = _idle.First; node is not null;)
            {
                var next = node.Next;
                if (_time.GetElapsedTime(node.Value.ReturnedAt) >= _options.PoolIdleTime)
                {
                    evicted.Add(node.Value.Instance);
                    _idle.Remove(node);
                }

                node = next;
            }
        }

        foreach (var old in evicted)
        {
            old.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string Key(string workspaceFolder, IReadOnlyDictionary<string, IReadOnlyList<string>> views)
    {
        var key = new StringBuilder(Path.GetFullPath(workspaceFolder));
        foreach (var (name, files) in views.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            key.Append('\u001e').Append(name);
            foreach (var file in files)
            {
                key.Append('\u001f').Append(file);
            }
        }

        return key.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        List<SandboxInstance> all;
        lock (_gate)
        {
            _disposed = true;
            all = [.. _idle.Select(i => i.Instance)];
            _idle.Clear();
        }

        foreach (var instance in all)
        {
            await instance.DisposeAsync();
        }
    }
}

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
                await instance.RunAsync(
                    $"CREATE VIEW {Sql.Ident(name)} AS SELECT * FROM read_parquet({Sql.List(list)}, union_by_name = true)",
                    ct);
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

    private async Task RunAsync(string sql, CancellationToken ct)
    {
        await using var command = _database.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
