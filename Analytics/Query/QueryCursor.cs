using System.Data.Common;
using DuckDB.NET.Data;

namespace Ductus.Analytics.Query;

/// <summary>
/// Rows of a running query, read one at a time as DuckDB produces them (streaming mode), up to
/// the row cap. The first row is fetched before the cursor is handed out, so a query that fails
/// or times out while computing (an aggregate does all its work before its first row) is reported
/// before any response has started.
/// </summary>
public sealed class QueryCursor : IAsyncDisposable
{
    private readonly DuckDBCommand _command;
    private readonly DbDataReader _reader;
    private readonly Deadline _deadline;
    private readonly CancellationTokenRegistration _interrupt;
    private readonly int _maxRows;
    private bool _pending;
    private bool _done;

    private QueryCursor(DuckDBCommand command, DbDataReader reader, IReadOnlyList<QueryColumn> columns, int maxRows, Deadline deadline, CancellationTokenRegistration interrupt)
    {
        _command = command;
        _reader = reader;
        Columns = columns;
        _maxRows = maxRows;
        _deadline = deadline;
        _interrupt = interrupt;
        Current = new object?[columns.Count];
    }

    public IReadOnlyList<QueryColumn> Columns { get; }

    /// <summary>The current row's values (null for SQL NULL); reused between rows.</summary>
    public object?[] Current { get; }

    /// <summary>Rows returned so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>True once reading stopped at the row cap while more rows existed.</summary>
    public bool Truncated { get; private set; }

    internal static QueryCursor Start(DuckDBCommand command, IReadOnlyList<QueryColumn> columns, int maxRows, Deadline deadline)
    {
        var interrupt = deadline.Token.Register(Deadline.Interrupt, command);
        try
        {
            var reader = deadline.Guard(() => command.ExecuteReader());
            var cursor = new QueryCursor(command, reader, columns, maxRows, deadline, interrupt);
            cursor._pending = deadline.Guard(reader.Read);
            cursor._done = !cursor._pending;
            return cursor;
        }
        catch
        {
            interrupt.Dispose();
            command.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next row; false at the end or at the row cap.</summary>
    /// <exception cref="QueryTimeoutException">The timeout fired while reading.</exception>
    public bool Read()
    {
        if (_done)
        {
            return false;
        }

        var has = _pending || _deadline.Guard(_reader.Read);
        _pending = false;
        if (!has)
        {
            _done = true;
            return false;
        }

        if (RowCount == _maxRows)
        {
            Truncated = true;
            _done = true;
            return false;
        }

        for (var i = 0; i < Current.Length; i++)
        {
            Current[i] = _reader.IsDBNull(i) ? null : _reader.GetValue(i);
        }

        RowCount++;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _interrupt.DisposeAsync();
        await _reader.DisposeAsync();
        await _command.DisposeAsync();
        _deadline.Dispose();
    }
}
