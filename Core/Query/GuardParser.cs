using System.Collections.Concurrent;
using DuckDB.NET.Data;

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
        command.CommandText = """
            SET autoinstall_known_extensions = false;
            SET autoload_known_extensions = false;
            SET threads = 1;
            SET enable_external_access = false;
            SET lock_configuration = true;
            """;
        command.ExecuteNonQuery();
    }

    public static GuardParser Shared => Instance.Value;

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
