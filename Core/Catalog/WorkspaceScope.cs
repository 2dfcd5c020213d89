using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// Acting for a workspace: the row-level security policies (<c>ductus_current_workspace()</c>)
/// read the setting <c>ductus.workspace_id</c>. It is set transaction-locally, so a pooled
/// connection never carries it into the next transaction. Everything that acts for a workspace
/// sets it here.
/// </summary>
public static class WorkspaceScope
{
    private const string SetWorkspace = "SELECT set_config('ductus.workspace_id', $1, true)";

    /// <summary>Makes the rest of <paramref name="transaction"/> act for <paramref name="workspaceId"/>.</summary>
    public static async Task ActForAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken ct)
    {
        await using var set = new NpgsqlCommand(SetWorkspace, connection, transaction);
        set.Parameters.Add(WorkspaceValue(workspaceId));
        await set.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The statement that acts for <paramref name="workspaceId"/>, to go first in a batch with the
    /// statements that act for it: one round trip, and without a transaction of its own the batch
    /// runs as one implicit transaction, so the setting holds for the batch and ends with it.
    /// </summary>
    public static NpgsqlBatchCommand ActFor(Guid workspaceId)
    {
        var set = new NpgsqlBatchCommand(SetWorkspace);
        set.Parameters.Add(WorkspaceValue(workspaceId));
        return set;
    }

    /// <summary>Opens a connection and a transaction already acting for <paramref name="workspaceId"/>.</summary>
    public static async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> BeginAsync(NpgsqlDataSource db, Guid workspaceId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            await ActForAsync(connection, transaction, workspaceId, ct);
            return (connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static NpgsqlParameter<string> WorkspaceValue(Guid workspaceId) => new() { TypedValue = workspaceId.ToString() };
}
