using System.Globalization;
using DuckDB.NET.Data;
using Ductus.Core.Quoting;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Pipelines.Sources;

/// <summary>
/// Streams a PostgreSQL query into a DuckDB table with binary COPY on one side and DuckDB's
/// appender on the other: no row-by-row INSERT, no intermediate file, constant memory.
/// </summary>
public static class PostgresExtractor
{
    private const string CursorSetting = "ductus.cursor";

    private sealed record Column(string Name, string PgType, string DuckType, NpgsqlDbType CopyType, bool AsText);

    public static Task<long> ExtractAsync(NpgsqlDataSource source, string query, DuckDBConnection duck, string table, CancellationToken ct) =>
        ExtractAsync(source, query, null, duck, table, ct);

    /// <param name="after">When set, only rows whose column is greater than the value (an incremental watermark).</param>
    public static async Task<long> ExtractAsync(NpgsqlDataSource source, string query, CursorFilter? after, DuckDBConnection duck, string table, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(duck);
        var trimmed = query.Trim().TrimEnd(';');
        var connection = await source.OpenConnectionAsync(ct);
        long rows;
        try
        {
            rows = await ExtractAsync(connection, trimmed, after, duck, table, ct);
        }
        catch
        {
            // A COPY that failed half-way can leave the connection mid-protocol; it must not go
            // back to the pool for the next caller. Closing it then runs the pool's reset on the
            // broken protocol state, which can throw (Npgsql has answered IndexOutOfRange): the
            // error worth reporting is the query's, so the close's own failure is dropped.
            NpgsqlConnection.ClearPool(connection);
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception closeFailure) when (closeFailure is not OperationCanceledException)
            {
                System.Diagnostics.Debug.WriteLine($"Closing a failed source connection: {closeFailure.Message}");
            }

            throw;
        }

        await connection.DisposeAsync();
        return rows;
    }

    private static async Task<long> ExtractAsync(NpgsqlConnection connection, string trimmed, CursorFilter? after, DuckDBConnection duck, string table, CancellationToken ct)
    {
        // A read-only transaction: a source query can never change the source database.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, tx))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        var columns = await DescribeAsync(connection, tx, trimmed, ct);
        await using (var create = duck.CreateCommand())
        {
            create.CommandText = $"CREATE OR REPLACE TABLE {Sql.Ident(table)} ({string.Join(", ", columns.Select(c => $"{Sql.Ident(c.Name)} {c.DuckType}"))})";
            await create.ExecuteNonQueryAsync(ct);
        }

        // Types the appender has no mapping for travel as text; DuckDB still gets a value.
        var select = string.Join(", ", columns.Select((c, i) => c.AsText ? $"q.{Sql.Ident(c.Name)}::text" : $"q.{Sql.Ident(c.Name)}"));
        var where = after is null ? string.Empty : await CursorConditionAsync(connection, tx, columns, after, ct);
        long rows = 0;
        using (var appender = duck.CreateAppender(table))
        {
            await using var export = await connection.BeginBinaryExportAsync($"COPY (SELECT {select} FROM ({trimmed}) AS q{where}) TO STDOUT (FORMAT BINARY)", ct);
            while (await export.StartRowAsync(ct) != -1)
            {
                var row = appender.CreateRow();
                foreach (var column in columns)
                {
                    if (export.IsNull)
                    {
                        await export.SkipAsync(ct);
                        row.AppendNullValue();
                        continue;
                    }

                    await AppendAsync(row, export, column, ct);
                }

                row.EndRow();
                rows++;
            }
        }

        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// COPY takes no bind parameters, so the watermark is bound to a transaction-local setting
    /// and the query compares against that: the value never becomes SQL text.
    /// </summary>
    private static async Task<string> CursorConditionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<Column> columns, CursorFilter after, CancellationToken ct)
    {
        var column = columns.FirstOrDefault(c => c.Name == after.Column)
            ?? throw new InvalidOperationException($"incremental.cursor: the query returns no column '{after.Column}' (it returns: {string.Join(", ", columns.Select(c => c.Name))}).");
        await using (var set = new NpgsqlCommand($"SELECT set_config('{CursorSetting}', @value, true)", connection, tx))
        {
            set.Parameters.AddWithValue("value", after.Value);
            await set.ExecuteNonQueryAsync(ct);
        }

        return $" WHERE q.{Sql.Ident(column.Name)} > CAST(current_setting('{CursorSetting}') AS {column.PgType})";
    }

    private static async Task AppendAsync(IDuckDBAppenderRow row, NpgsqlBinaryExporter export, Column column, CancellationToken ct)
    {
        switch (column.DuckType)
        {
            case "BOOLEAN":
                row.AppendValue(await export.ReadAsync<bool>(ct));
                break;
            case "SMALLINT":
                row.AppendValue(await export.ReadAsync<short>(ct));
                break;
            case "INTEGER":
                row.AppendValue(await export.ReadAsync<int>(ct));
                break;
            case "BIGINT":
                row.AppendValue(await export.ReadAsync<long>(ct));
                break;
            case "FLOAT":
                row.AppendValue(await export.ReadAsync<float>(ct));
                break;
            case "DOUBLE":
                row.AppendValue(await export.ReadAsync<double>(ct));
                break;
            case "DATE":
                row.AppendValue(await export.ReadAsync<DateOnly>(ct));
                break;
            case "TIMESTAMP":
                row.AppendValue(await export.ReadAsync<DateTime>(NpgsqlDbType.Timestamp, ct));
                break;
            case "TIMESTAMPTZ":
                row.AppendValue(await export.ReadAsync<DateTime>(NpgsqlDbType.TimestampTz, ct));
                break;
            case "UUID":
                row.AppendValue(await export.ReadAsync<Guid>(ct));
                break;
            case "BLOB":
                row.AppendValue(await export.ReadAsync<byte[]>(ct));
                break;
            default:
                if (column.DuckType.StartsWith("DECIMAL", StringComparison.Ordinal))
                {
                    row.AppendValue(await export.ReadAsync<decimal>(ct));
                }
                else
                {
                    row.AppendValue(await export.ReadAsync<string>(ct));
                }

                break;
        }
    }

    private static async Task<List<Column>> DescribeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string query, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT * FROM ({query}) AS q LIMIT 0", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SchemaOnly, ct);
        var schema = await reader.GetColumnSchemaAsync(ct);
        var columns = new List<Column>();
        foreach (var c in schema)
        {
            var pgType = c.DataTypeName ?? "unknown";
            var (duck, asText) = pgType switch
            {
                "boolean" => ("BOOLEAN", false),
                "smallint" => ("SMALLINT", false),
                "integer" => ("INTEGER", false),
                "bigint" => ("BIGINT", false),
                "real" => ("FLOAT", false),
                "double precision" => ("DOUBLE", false),
                "date" => ("DATE", false),
                "timestamp without time zone" => ("TIMESTAMP", false),
                "timestamp with time zone" => ("TIMESTAMPTZ", false),
                "uuid" => ("UUID", false),
                "bytea" => ("BLOB", false),
                "json" or "jsonb" => ("JSON", true),
                "text" or "character varying" or "character" or "name" or "citext" => ("VARCHAR", false),
                _ when pgType.StartsWith("numeric", StringComparison.Ordinal) => (Decimal(c.NumericPrecision, c.NumericScale), false),
                _ => ("VARCHAR", true),
            };
            columns.Add(new Column(c.ColumnName, pgType, duck, NpgsqlDbType.Unknown, asText));
        }

        var duplicate = columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"source.query: the column name '{duplicate.Key}' appears twice; alias one of them.");
        }

        return columns;
    }

    /// <summary>numeric(p,s) keeps its exactness up to DuckDB's 38 digits; unconstrained numeric becomes DOUBLE.</summary>
    private static string Decimal(int? precision, int? scale) =>
        precision is > 0 and <= 38 ? string.Create(CultureInfo.InvariantCulture, $"DECIMAL({precision},{scale ?? 0})") : "DOUBLE";
}

/// <summary>Rows whose <paramref name="Column"/> is greater than <paramref name="Value"/> (as text, cast to the column's type).</summary>
public sealed record CursorFilter(string Column, string Value);
