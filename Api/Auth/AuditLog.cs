using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Api.Auth;

/// <summary>Action names written to <c>audit_log.action</c>.</summary>
public static class AuditActions
{
    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";
    public const string WorkspaceCreated = "workspace.created";
    public const string SessionStarted = "session.started";
    public const string SessionEnded = "session.ended";
}

public static class AuditLog
{
    /// <summary>
    /// Records a change inside the caller's transaction, so the change and its audit row commit
    /// or roll back together.
    /// </summary>
    public static async Task WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, string actor, string action, string target,
        object? details, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("""
            INSERT INTO audit_log (workspace_id, actor, action, target, details)
            VALUES ($1, $2, $3, $4, $5)
            """, connection, transaction);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(actor);
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(target);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(details ?? new { }) });
        await command.ExecuteNonQueryAsync(ct);
    }
}
