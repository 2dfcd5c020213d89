using DuckDB.NET.Data;

namespace Ductus.Core.Engine;

/// <summary>Commands on a DuckDB connection that a cancellation token can stop mid-statement.</summary>
internal static class DuckDbCommands
{
    public static DuckDBCommand Create(DuckDBConnection db, string sql, CancellationToken ct)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        // DuckDB only stops a running statement when interrupted; the token alone would wait for it.
        var registration = ct.Register(() => command.Cancel());
        command.Disposed += (_, _) => registration.Dispose();
        return command;
    }
}
