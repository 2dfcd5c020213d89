using System.Collections.Concurrent;
using System.Collections.Frozen;
using DuckDB.NET.Data;
using Ductus.Core.DuckDb;

namespace Ductus.Core.Query;

/// <summary>
/// One in-memory DuckDB per process, used by <see cref="SqlGuard"/> only to parse and render
/// statements (<c>json_serialize_sql</c> / <c>json_deserialize_sql</c>; nothing is executed).
/// Opening an instance costs tens of milliseconds and its own thread pool — it was the largest
/// fixed cost of an uncached query — whereas a connection to a running instance is almost free.
/// A DuckDB connection must not run two statements at once, so each check rents its own.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per process, alive until the process ends.")]
internal sealed class GuardParser
{
    private const int MaxIdleConnections = 16;

    private static readonly Lazy<GuardParser> Instance = new(() => new GuardParser(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly DuckDBConnection _database;
    private readonly ConcurrentBag<DuckDBConnection> _idle = [];
    private readonly Lock _connect = new();

    private GuardParser()
    {
        _database = new DuckDBConnection("Data Source=:memory:");
        _database.Open();
        using var command = _database.CreateCommand();
        // It only parses, but it is locked down like a sandbox anyway: one thread, no file or
        // network access, no extension loading, and no way to change that.
        command.CommandText = "SET threads = 1";
        command.ExecuteNonQuery();
        DuckDbLockdown.Nothing.Apply(_database);

        // A fresh instance holds only DuckDB's own catalog views, so these are the names an
        // unqualified table reference reaches besides a dataset (schemas main and pg_catalog are
        // searched; information_schema is not).
        command.CommandText = "SELECT view_name FROM duckdb_views() WHERE schema_name IN ('main', 'pg_catalog')";
        var names = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                names.Add(AsciiCase.Fold(reader.GetString(0)));
            }
        }

        CatalogNames = names.ToFrozenSet(StringComparer.Ordinal);
    }

    public static GuardParser Shared => Instance.Value;

    /// <summary>DuckDB's catalog views an unqualified name reaches (<c>duckdb_views</c>, <c>sqlite_master</c>, <c>pg_views</c>...), ASCII-folded.</summary>
    public FrozenSet<string> CatalogNames { get; }

    public DuckDBConnection Rent()
    {
        if (_idle.TryTake(out var connection))
        {
            return connection;
        }

        lock (_connect)
        {
            connection = _database.Duplicate();
        }

        connection.Open();
        return connection;
    }

    /// <summary>DuckDB's parse tree of <paramref name="sql"/> (<c>json_serialize_sql</c>): the statements, or <c>error</c> and <c>error_message</c>.</summary>
    public static string Serialize(DuckDBConnection parser, string sql)
    {
        using var command = parser.CreateCommand();
        command.CommandText = "SELECT json_serialize_sql($sql::VARCHAR)";
        command.Parameters.Add(new DuckDBParameter("sql", sql));
        return (string?)command.ExecuteScalar() ?? "{}";
    }

    /// <summary>The SQL DuckDB renders from a parse tree (<c>json_deserialize_sql</c>).</summary>
    public static string Render(DuckDBConnection parser, string json)
    {
        using var command = parser.CreateCommand();
        command.CommandText = "SELECT json_deserialize_sql($json::VARCHAR)";
        command.Parameters.Add(new DuckDBParameter("json", json));
        return (string?)command.ExecuteScalar() ?? throw new InvalidOperationException("DuckDB rendered no SQL for a parsed statement.");
    }

    public void Return(DuckDBConnection connection)
    {
        if (_idle.Count < MaxIdleConnections)
        {
            _idle.Add(connection);
        }
        else
        {
            connection.Dispose();
        }
    }
}
