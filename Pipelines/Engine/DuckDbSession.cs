using System.Globalization;
using DuckDB.NET.Data;
using Ductus.Core.Quoting;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// A DuckDB connection with the token that stops its statements: what every step of a run (and
/// the compactor) executes through.
/// </summary>
internal sealed class DuckDbSession(DuckDBConnection connection, CancellationToken ct)
{
    public DuckDBConnection Connection => connection;

    public CancellationToken Token => ct;

    public DuckDBCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        // DuckDB only stops a running statement when interrupted; the token alone would wait for it.
        var registration = ct.Register(() => command.Cancel());
        command.Disposed += (_, _) => registration.Dispose();
        return command;
    }

    public async Task<long> ExecAsync(string sql)
    {
        await using var command = Command(sql);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The first value of the first row as a number; 0 when there is none.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = Command(sql);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The first value of the first row as text; null when there is none.</summary>
    public async Task<string?> ScalarTextAsync(string sql)
    {
        await using var command = Command(sql);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The name and DuckDB type of each column <paramref name="query"/> produces.</summary>
    public async Task<List<(string Name, string Type)>> DescribeAsync(string query)
    {
        var result = new List<(string, string)>();
        await using var command = Command($"DESCRIBE {query}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add((reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    public async Task<bool> TableExistsAsync(string name) =>
        await ScalarAsync($"SELECT count(*) FROM duckdb_tables() WHERE table_name = {Sql.Literal(name)}") > 0;
}
