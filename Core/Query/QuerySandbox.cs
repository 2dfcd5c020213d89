using System.Globalization;
using DuckDB.NET.Data;

namespace Ductus.Core.Query;

/// <summary>
/// An in-memory DuckDB that can see one workspace: a view per dataset over its snapshot's files,
/// then external access off (except that workspace's lake folder and the query's own scratch
/// folder) and the configuration locked, so not even a statement that slipped past the guard
/// can read another workspace, the host's files or change a setting.
/// </summary>
public sealed class QuerySandbox : IAsyncDisposable
{
    private readonly DuckDBConnection _connection;

    private QuerySandbox(DuckDBConnection connection, string scratchFolder)
    {
        _connection = connection;
        ScratchFolder = scratchFolder;
    }

    /// <summary>This query's private folder (spill files, Parquet results); deleted on dispose.</summary>
    public string ScratchFolder { get; }

    /// <param name="workspaceFolder">The only lake folder the instance may read.</param>
    /// <param name="views">View name → absolute paths of the Parquet files it reads (all inside <paramref name="workspaceFolder"/>).</param>
    public static async Task<QuerySandbox> OpenAsync(
        string workspaceFolder,
        IReadOnlyDictionary<string, IReadOnlyList<string>> views,
        QueryOptions options,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(options);
        // The trailing separator matters: DuckDB matches allowed directories by prefix, and
        // "/lake/acme" would otherwise also allow "/lake/acme-rival".
        var allowed = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspaceFolder)) + Path.DirectorySeparatorChar;
        var scratch = Path.Combine(options.ResolvedScratchDirectory, Guid.NewGuid().ToString("N")) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(scratch);

        var connection = new DuckDBConnection("Data Source=:memory:");
        var sandbox = new QuerySandbox(connection, scratch);
        try
        {
            await connection.OpenAsync(ct);
            await sandbox.RunAsync($"""
                SET autoinstall_known_extensions = false;
                SET autoload_known_extensions = false;
                SET memory_limit = {Literal(options.MemoryLimit)};
                SET threads = {options.Threads.ToString(CultureInfo.InvariantCulture)};
                SET temp_directory = {Literal(scratch)};
                SET allowed_directories = [{Literal(allowed)}, {Literal(scratch)}];
                """, ct);
            foreach (var (name, files) in views)
            {
                foreach (var file in files)
                {
                    if (!Path.GetFullPath(file).StartsWith(allowed, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"Dataset '{name}' lists a file outside the workspace folder: {file}");
                    }
                }

                // union_by_name: appends written before a column was added still read as one table.
                await sandbox.RunAsync(
                    $"CREATE VIEW {Identifier(name)} AS SELECT * FROM read_parquet([{string.Join(", ", files.Select(Literal))}], union_by_name = true)",
                    ct);
            }

            await sandbox.RunAsync("""
                SET enable_external_access = false;
                SET lock_configuration = true;
                """, ct);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (not checked here: callers pass guarded SQL) as
    /// <c>SELECT * FROM (sql) LIMIT maxRows + 1</c> and returns a cursor positioned before the
    /// first row; the extra row only tells that the result was truncated.
    /// </summary>
    /// <exception cref="QueryTimeoutException">Interrupted after <paramref name="timeout"/>.</exception>
    /// <exception cref="QueryFailedException">DuckDB refused or failed the statement.</exception>
    public async Task<QueryCursor> QueryAsync(
        string sql,
        IReadOnlyDictionary<string, object?>? parameters,
        int maxRows,
        TimeSpan timeout,
        CancellationToken ct = default)
    {
        var wrapped = $"SELECT * FROM (\n{sql}\n) LIMIT {(maxRows + 1L).ToString(CultureInfo.InvariantCulture)}";
        var deadline = new Deadline(timeout, ct);
        try
        {
            var columns = await deadline.RunAsync(_connection, "DESCRIBE " + wrapped, parameters, command =>
            {
                using var reader = command.ExecuteReader();
                var list = new List<QueryColumn>();
                while (reader.Read())
                {
                    list.Add(new QueryColumn(reader.GetString(0), reader.GetString(1)));
                }

                return list;
            });

            var command = Deadline.Prepare(_connection, wrapped, parameters);
            command.UseStreamingMode = true;
            return await deadline.RunAsync(() => QueryCursor.Start(command, columns, maxRows, deadline));
        }
        catch
        {
            deadline.Dispose();
            throw;
        }
    }

    /// <summary>Writes at most <paramref name="maxRows"/> rows of <paramref name="sql"/> to a Parquet file in <see cref="ScratchFolder"/>.</summary>
    public async Task<ParquetResult> WriteParquetAsync(
        string sql,
        IReadOnlyDictionary<string, object?>? parameters,
        int maxRows,
        TimeSpan timeout,
        CancellationToken ct = default)
    {
        var path = Path.Combine(ScratchFolder, "result.parquet");
        using var deadline = new Deadline(timeout, ct);
        // Materialise one row more than allowed (at most maxRows + 1 rows in memory) to learn
        // whether the result was cut, then write only the allowed rows.
        var limit = (maxRows + 1L).ToString(CultureInfo.InvariantCulture);
        var total = await deadline.RunAsync(_connection, $"CREATE TEMP TABLE ductus_result AS SELECT * FROM (\n{sql}\n) LIMIT {limit}", parameters,
            command =>
            {
                command.ExecuteNonQuery();
                using var count = _connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM ductus_result";
                return Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            });
        var rows = Math.Min(total, maxRows);
        await deadline.RunAsync(_connection,
            $"COPY (SELECT * FROM ductus_result LIMIT {maxRows.ToString(CultureInfo.InvariantCulture)}) TO {Literal(path)} (FORMAT parquet)",
            null, command => command.ExecuteNonQuery());
        return new ParquetResult(path, rows, total > maxRows);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        try
        {
            Directory.Delete(ScratchFolder, recursive: true);
        }
        catch (IOException)
        {
            // A result file still open by a slow reader; the folder is only ever written by this query.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task RunAsync(string sql, CancellationToken ct)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    internal static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string Identifier(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>A Parquet result on disk, inside the query's scratch folder.</summary>
public sealed record ParquetResult(string Path, long Rows, bool Truncated);

/// <summary>
/// One timeout for everything a query does, from binding to the last row read. When it fires,
/// the running DuckDB command is interrupted (<c>duckdb_interrupt</c> through
/// <see cref="DuckDBCommand.Cancel"/>), which stops the work rather than abandoning it.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;
    private readonly TimeSpan _after;

    public Deadline(TimeSpan after, CancellationToken caller)
    {
        _after = after;
        _caller = caller;
        _timeout = new CancellationTokenSource(after);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, caller);
    }

    public CancellationToken Token => _linked.Token;

    public static DuckDBCommand Prepare(DuckDBConnection connection, string sql, IReadOnlyDictionary<string, object?>? parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            command.Parameters.Add(new DuckDBParameter(name.TrimStart('$'), value));
        }

        return command;
    }

    public Task<T> RunAsync<T>(DuckDBConnection connection, string sql, IReadOnlyDictionary<string, object?>? parameters, Func<DuckDBCommand, T> work) =>
        RunAsync(() =>
        {
            using var command = Prepare(connection, sql, parameters);
            using var interrupt = Token.Register(Interrupt, command);
            return work(command);
        });

    /// <summary>Runs blocking DuckDB work off the request thread and turns failures into query exceptions.</summary>
    public Task<T> RunAsync<T>(Func<T> work) =>
        Task.Run(() => Guard(() =>
        {
            Token.ThrowIfCancellationRequested();
            return work();
        }), CancellationToken.None);

    public T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (OperationCanceledException ex) when (_timeout.IsCancellationRequested && !_caller.IsCancellationRequested)
        {
            throw Timeout(ex);
        }
        catch (DuckDBException ex) when (_timeout.IsCancellationRequested && !_caller.IsCancellationRequested)
        {
            throw Timeout(ex);
        }
        catch (DuckDBException ex)
        {
            throw new QueryFailedException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Interrupts a command from the timer thread. The command may finish and be disposed at the
    /// same moment; losing that race is fine, and an exception here would kill the process.
    /// </summary>
    internal static void Interrupt(object? command)
    {
        try
        {
            ((DuckDBCommand)command!).Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        catch (DuckDBException)
        {
        }
    }

    private QueryTimeoutException Timeout(Exception inner) =>
        new($"The query was interrupted after its timeout of {_after.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.", inner);

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
