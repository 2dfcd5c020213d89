using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>What became of a request to restore or purge an archived pipeline or dataset.</summary>
public enum ArchiveOutcome
{
    Done,

    /// <summary>Nothing of that name, archived or not.</summary>
    NotFound,

    /// <summary>It exists but is not archived: only an archived item is restored or purged.</summary>
    NotArchived,
}

/// <summary>A pipeline or dataset archived longer than retention allows, due for purging.</summary>
public sealed record ArchivedItem(string Name, DateTimeOffset ArchivedAt, string ArchivedBy);

/// <summary>A spec was saved under the name of an archived pipeline: it must be restored or purged first.</summary>
public sealed class ArchivedNameException(string name)
    : Exception($"A pipeline named '{name}' is archived; restore it (POST /api/pipelines/{name}/restore) or purge it (POST /api/pipelines/{name}/purge) first.")
{
    public string Name { get; } = name;
}

/// <summary>
/// The archive columns (<c>archived_at</c>, <c>archived_by</c>, migration 0021) that pipelines and
/// datasets share: archiving hides a row from every read and keeps everything it owns; restoring
/// shows it again; purging deletes it for good. Each is one transaction with its audit row.
/// </summary>
/// <remarks><c>table</c> is always one of the stores' constants, never input.</remarks>
internal static class Archiving
{
    /// <summary>Archives <paramref name="name"/>; false when there is no such row that is not archived already.</summary>
    public static async Task<bool> ArchiveAsync(NpgsqlDataSource db, string table, Guid workspaceId, string name, AuditEntry audit, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            UPDATE {table} SET archived_at = @now, archived_by = @actor
             WHERE workspace_id = @ws AND name = @name AND archived_at IS NULL
            """)
            .With("now", now)
            .With("actor", audit.Actor)
            .With("ws", workspaceId)
            .With("name", name);
        if (await command.ExecuteNonQueryAsync(ct) != 1)
        {
            return false;
        }

        await AuditLog.WriteAsync(tx, workspaceId, audit.With(null, new { archivedAt = now }), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Brings an archived row back as it was.</summary>
    public static Task<ArchiveOutcome> RestoreAsync(NpgsqlDataSource db, string table, Guid workspaceId, string name, AuditEntry audit, CancellationToken ct) =>
        OnArchivedAsync(db, table, workspaceId, name, audit, async (tx, archived) =>
        {
            await using var command = tx.Command($"UPDATE {table} SET archived_at = NULL, archived_by = NULL WHERE workspace_id = @ws AND name = @name")
                .With("ws", workspaceId)
                .With("name", name);
            await command.ExecuteNonQueryAsync(ct);
            return audit.With(new { archived.ArchivedAt, archived.ArchivedBy }, null)!;
        }, ct);

    /// <summary>
    /// Deletes an archived row for good with what <paramref name="delete"/> removes with it; its
    /// summary of what went is the audit row's <c>before</c>.
    /// </summary>
    public static Task<ArchiveOutcome> PurgeAsync(
        NpgsqlDataSource db, string table, Guid workspaceId, string name, AuditEntry audit,
        Func<WorkspaceTransaction, Task<object>> delete, CancellationToken ct) =>
        OnArchivedAsync(db, table, workspaceId, name, audit, async (tx, archived) =>
        {
            var removed = await delete(tx);
            return audit.With(new { archived.ArchivedAt, archived.ArchivedBy, removed }, null)!;
        }, ct);

    /// <summary>The rows of <paramref name="table"/> archived before <paramref name="before"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<ArchivedItem>> ListAsync(NpgsqlDataSource db, string table, Guid workspaceId, DateTimeOffset before, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT name, archived_at, coalesce(archived_by, '') FROM {table}
             WHERE workspace_id = @ws AND archived_at < @before
             ORDER BY archived_at
            """)
            .With("ws", workspaceId)
            .With("before", before);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<ArchivedItem>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(new ArchivedItem(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2)));
        }

        return items;
    }

    /// <summary>Locks the row and, when it is archived, applies <paramref name="change"/> and writes the audit entry it returns.</summary>
    private static async Task<ArchiveOutcome> OnArchivedAsync(
        NpgsqlDataSource db, string table, Guid workspaceId, string name, AuditEntry audit,
        Func<WorkspaceTransaction, ArchivedItem, Task<AuditEntry>> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        ArchivedItem? archived;
        await using (var read = tx.Command($"SELECT archived_at, archived_by FROM {table} WHERE workspace_id = @ws AND name = @name FOR UPDATE")
            .With("ws", workspaceId)
            .With("name", name))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return ArchiveOutcome.NotFound;
            }

            archived = reader.IsDBNull(0) ? null : new ArchivedItem(name, reader.GetFieldValue<DateTimeOffset>(0), reader.Nullable<string>(1) ?? "");
        }

        if (archived is null)
        {
            return ArchiveOutcome.NotArchived;
        }

        await AuditLog.WriteAsync(tx, workspaceId, await change(tx, archived), ct);
        await tx.CommitAsync(ct);
        return ArchiveOutcome.Done;
    }
}
