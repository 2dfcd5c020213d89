using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// A connection and transaction acting for one workspace (<see cref="WorkspaceScope"/>), with
/// the commands the catalog's stores run in it.
/// </summary>
public sealed class WorkspaceTransaction : IAsyncDisposable
{
    private WorkspaceTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static async Task<WorkspaceTransaction> BeginAsync(NpgsqlDataSource db, Guid workspaceId, CancellationToken ct)
    {
        var (connection, transaction) = await WorkspaceScope.BeginAsync(db, workspaceId, ct);
        return new WorkspaceTransaction(connection, transaction);
    }

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}

/// <summary>
/// A read-only statement acting for one workspace in a single round trip: <c>set_config</c> and
/// the query go as one batch, which PostgreSQL runs as one implicit transaction, so the setting
/// holds for the query and ends with it. A read through <see cref="WorkspaceTransaction"/> costs
/// four round trips (set_config with BEGIN, the query, ROLLBACK, and the pool's reset), which on
/// the hottest Api endpoints was most of the database's work.
/// </summary>
public sealed class WorkspaceRead : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlBatch _batch;

    private WorkspaceRead(NpgsqlConnection connection, NpgsqlBatch batch, NpgsqlDataReader reader)
    {
        _connection = connection;
        _batch = batch;
        Reader = reader;
    }

    /// <summary>Positioned before the query's first row.</summary>
    public NpgsqlDataReader Reader { get; }

    public static NpgsqlBatchCommand Query(string sql) => new(sql);

    public static async Task<WorkspaceRead> ExecuteAsync(NpgsqlDataSource db, Guid workspaceId, NpgsqlBatchCommand query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var connection = await db.OpenConnectionAsync(ct);
        NpgsqlBatch? batch = null;
        try
        {
            batch = new NpgsqlBatch(connection) { BatchCommands = { WorkspaceScope.ActFor(workspaceId), query } };
            var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct);
            return new WorkspaceRead(connection, batch, reader);
        }
        catch
        {
            if (batch is not null)
            {
                await batch.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await _batch.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

public static class CommandExtensions
{
    public static NpgsqlBatchCommand With<T>(this NpgsqlBatchCommand command, string name, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return command;
    }

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand With<T>(this NpgsqlCommand command, string name, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return command;
    }

    /// <summary>Adds a parameter whose type PostgreSQL cannot infer from a null value.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>A run's counts as the <c>runs</c> table holds them: @read, @loaded, @rejected, @bytes and @durations.</summary>
    public static NpgsqlCommand WithStats(this NpgsqlCommand command, RunStats stats) => command
        .With("read", stats.RowsRead)
        .With("loaded", stats.RowsLoaded)
        .With("rejected", stats.RowsRejected)
        .With("bytes", stats.Bytes)
        .With("durations", CatalogJson.Durations(stats.StepDurations), NpgsqlDbType.Jsonb);

    public static T? Nullable<T>(this NpgsqlDataReader reader, int ordinal)
        where T : class => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static T? NullableValue<T>(this NpgsqlDataReader reader, int ordinal)
        where T : struct => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
