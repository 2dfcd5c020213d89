using System.Globalization;
using DuckDB.NET.Data;
using Ductus.Core.Quoting;

namespace Ductus.Analytics.Query;

/// <summary>
/// One query's view of a sandbox instance (<see cref="SandboxInstance"/>): an in-memory DuckDB that
/// can see one workspace's snapshots — a view per dataset over its snapshot's files, then external
/// access off (except exactly those files and the instance's scratch folder) and the configuration
/// locked, so not even a statement that slipped past the guard can read another workspace, a file
/// of its own workspace that no view lists, the host's files or change a setting. The query runs on a connection of its own
/// inside a transaction that is never committed: closing the connection rolls back whatever the
/// statement changed and drops its temp objects, variables and session settings.
/// </summary>
public sealed class QuerySandbox : IAsyncDisposable
{
    private readonly SandboxInstance _instance;
    private readonly DuckDBConnection _connection;
    private readonly Func<SandboxInstance, ValueTask>? _release;
    private int _statements;

    private QuerySandbox(SandboxInstance instance, DuckDBConnection connection, Func<SandboxInstance, ValueTask>? release)
    {
        _instance = instance;
        _connection = connection;
        _release = release;
    }

    /// <summary>The query's own connection, for tests that play a statement which got past the guard.</summary>
    internal DuckDBConnection Connection => _connection;

    /// <summary>This query's private folder (spill files, Parquet results); emptied on dispose.</summary>
    public string ScratchFolder => _instance.ScratchFolder;

    /// <summary>A sandbox over a new instance of its own, dropped on dispose (no pool).</summary>
    /// <param name="workspaceFolder">The workspace's lake folder, which every view file must be inside.</param>
    /// <param name="views">View name → absolute paths of the Parquet files it reads, the only lake files the instance may read.</param>
    public static async Task<QuerySandbox> OpenAsync(
        string workspaceFolder,
        IReadOnlyDictionary<string, IReadOnlyList<string>> views,
        QueryOptions options,
        ViewMasks? masks = null,
        CancellationToken ct = default)
    {
        var instance = await SandboxInstance.CreateAsync(workspaceFolder, views, options, masks, ct);
        return await LeaseAsync(instance, null, ct);
    }

    /// <summary>A query connection on <paramref name="instance"/>; on dispose the instance goes to <paramref name="release"/> (null: disposed).</summary>
    internal static async Task<QuerySandbox> LeaseAsync(SandboxInstance instance, Func<SandboxInstance, ValueTask>? release, CancellationToken ct)
    {
        DuckDBConnection? connection = null;
        try
        {
            connection = instance.Connect();
            await using (var begin = connection.CreateCommand())
            {
                begin.CommandText = "BEGIN TRANSACTION";
                await begin.ExecuteNonQueryAsync(ct);
            }

            return new QuerySandbox(instance, connection, release);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            await instance.DisposeAsync();
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
        FreshTransaction();
        var deadline = new Deadline(timeout, ct);
        try
        {
            return await deadline.RunAsync(() =>
            {
                var columns = _instance.Columns(wrapped, parameters, () =>
                {
                    using var describe = Deadline.Prepare(_connection, "DESCRIBE " + wrapped, parameters);
                    using var interrupt = deadline.Token.Register(Deadline.Interrupt, describe);
                    using var reader = describe.ExecuteReader();
                    var list = new List<QueryColumn>();
                    while (reader.Read())
                    {
                        list.Add(new QueryColumn(reader.GetString(0), reader.GetString(1)));
                    }

                    return list;
                });
                var command = Deadline.Prepare(_connection, wrapped, parameters);
                command.UseStreamingMode = true;
                return QueryCursor.Start(command, columns, maxRows, deadline);
            });
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
        FreshTransaction();
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
            $"COPY (SELECT * FROM ductus_result LIMIT {maxRows.ToString(CultureInfo.InvariantCulture)}) TO {Sql.Literal(path)} (FORMAT parquet)",
            null, command => command.ExecuteNonQuery());
        return new ParquetResult(path, rows, total > maxRows);
    }

    /// <summary>
    /// A failed statement aborts its transaction; a second statement on the same sandbox (tests,
    /// never the worker) starts a new one rather than failing on the aborted one.
    /// </summary>
    private void FreshTransaction()
    {
        if (_statements++ == 0)
        {
            return;
        }

        using var command = _connection.CreateCommand();
        command.CommandText = "ROLLBACK; BEGIN TRANSACTION";
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the connection rolls back the open transaction and drops the connection's
        // temp objects, variables, prepared statements and session settings.
        await _connection.DisposeAsync();
        _instance.ClearScratch();
        if (_release is null)
        {
            await _instance.DisposeAsync();
        }
        else
        {
            await _release(_instance);
        }
    }
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
