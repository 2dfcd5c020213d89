using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// A connection and transaction acting for one workspace: <c>ductus.workspace_id</c> is set
/// transaction-locally, so the row-level security policies see it and a pooled connection
/// never carries it into the next transaction.
/// </summary>
internal sealed class WorkspaceTransaction : IAsyncDisposable
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
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            var scope = new WorkspaceTransaction(connection, transaction);
            await using var set = scope.Command("SELECT set_config('ductus.workspace_id', $1, true)");
            set.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workspaceId.ToString() });
            await set.ExecuteNonQueryAsync(ct);
            return scope;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}

internal static class CommandExtensions
{
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

    public static T? Nullable<T>(this NpgsqlDataReader reader, int ordinal)
        where T : class => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static T? NullableValue<T>(this NpgsqlDataReader reader, int ordinal)
        where T : struct => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
