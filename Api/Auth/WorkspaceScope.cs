using Npgsql;

namespace Ductus.Api.Auth;

/// <summary>
/// The Api connects as <c>ductus_app</c>, which row-level security holds to the workspace its
/// transaction acts for. Setting it transaction-locally keeps a pooled connection from carrying
/// it into the next request.
/// </summary>
public static class WorkspaceScope
{
    public static async Task ActForAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken ct)
    {
        await using var set = new NpgsqlCommand("SELECT set_config('ductus.workspace_id', $1, true)", connection, transaction);
        set.Parameters.AddWithValue(workspaceId.ToString());
        await set.ExecuteNonQueryAsync(ct);
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
}
