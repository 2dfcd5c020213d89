using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// Each workspace's secret salt for hash masks (<c>pii_salts</c>, migration 0024): made when the
/// workspace is, or at the first read of a workspace made before masks existed. Never part of an
/// Api answer. A salt never changes (a new one would change every hash), so a process keeps the
/// ones it read.
/// </summary>
public sealed class PiiSalts(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<Guid, string> _known = new();

    /// <summary>The workspace's salt, created first when it has none.</summary>
    public async Task<string> GetAsync(Guid workspaceId, CancellationToken ct = default)
    {
        if (_known.TryGetValue(workspaceId, out var salt))
        {
            return salt;
        }

        // A concurrent creator makes our INSERT do nothing, and the statement's snapshot may
        // predate its row; the second pass then finds it.
        for (var pass = 0; ; pass++)
        {
            await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
            try
            {
                salt = await EnsureAsync(tx.Connection, tx.Transaction, workspaceId, ct);
                await tx.CommitAsync(ct);
                return _known[workspaceId] = salt;
            }
            catch (InvalidOperationException) when (pass == 0)
            {
            }
        }
    }

    /// <summary>
    /// Inserts a salt for <paramref name="workspaceId"/> in the caller's transaction (acting for
    /// that workspace) unless it has one, and returns the one it has; two creators race to one row.
    /// </summary>
    public static async Task<string> EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH inserted AS (
                INSERT INTO pii_salts (workspace_id, salt) VALUES ($1, $2)
                ON CONFLICT (workspace_id) DO NOTHING
                RETURNING salt
            )
            SELECT salt FROM inserted
            UNION ALL
            SELECT salt FROM pii_salts WHERE workspace_id = $1
            LIMIT 1
            """, connection, transaction);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        return await command.ExecuteScalarAsync(ct) as string
            ?? throw new InvalidOperationException($"Workspace {workspaceId} has no PII salt and none could be made (a concurrent creator's row is not visible yet); try again.");
    }
}
