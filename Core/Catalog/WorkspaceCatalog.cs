using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// The workspaces: names and ids. The table is not tenant data, so these reads act for no
/// workspace; everything a workspace holds is in the other parts of <see cref="CatalogStore"/>.
/// </summary>
public sealed class WorkspaceCatalog(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>The id of the workspace with this name, creating it when missing.</summary>
    public async Task<Guid> EnsureAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // A concurrent creator makes our INSERT do nothing, and the statement's snapshot may
        // predate its row; the second pass then finds it.
        for (var pass = 0; ; pass++)
        {
            await using var command = db.CreateCommand("""
            WITH inserted AS (
                INSERT INTO workspaces (id, name, created_at) VALUES (@id, @name, @now)
                ON CONFLICT (name) DO NOTHING
                RETURNING id
            )
            SELECT id FROM inserted
            UNION ALL
            SELECT id FROM workspaces WHERE name = @name
            LIMIT 1
            """)
            .With("id", Guid.CreateVersion7(time.GetUtcNow()))
            .With("name", name)
            .With("now", time.GetUtcNow());
            if (await command.ExecuteScalarAsync(ct) is Guid id)
            {
                return id;
            }

            if (pass > 0)
            {
                throw new InvalidOperationException($"Workspace '{name}' could neither be created nor found.");
            }
        }
    }

    /// <summary>
    /// The id of the workspace with this name, creating it when missing; a creation writes
    /// <paramref name="audit"/> (<see cref="AuditActions.WorkspaceCreated"/>) in the new workspace's
    /// log in the same transaction.
    /// </summary>
    public async Task<Guid> EnsureAsync(string name, AuditEntry? audit, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (audit is not null && await FindAsync(name, ct) is null)
        {
            var id = Guid.CreateVersion7(time.GetUtcNow());
            // Acting for the new id is what lets its first audit row past the log's row-level security.
            await using var tx = await WorkspaceTransaction.BeginAsync(db, id, ct);
            await using var insert = tx.Command("INSERT INTO workspaces (id, name, created_at) VALUES (@id, @name, @now) ON CONFLICT (name) DO NOTHING")
                .With("id", id)
                .With("name", name)
                .With("now", time.GetUtcNow());
            if (await insert.ExecuteNonQueryAsync(ct) == 1)
            {
                await AuditLog.WriteAsync(tx, id, audit.With(null, new { id }), ct);
                await tx.CommitAsync(ct);
                return id;
            }
        }

        // It exists, or another creator won the race (and wrote the row).
        return await EnsureAsync(name, ct);
    }

    public async Task<Guid?> FindAsync(string name, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id FROM workspaces WHERE name = @name").With("name", name);
        return await command.ExecuteScalarAsync(ct) as Guid?;
    }

    /// <summary>The name of the workspace with this id, or null when there is none.</summary>
    public async Task<string?> NameAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT name FROM workspaces WHERE id = @id").With("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Every workspace (the table is not tenant data), for the services' sweeps across all of them.</summary>
    public async Task<IReadOnlyList<WorkspaceRecord>> ListAsync(CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id, name FROM workspaces ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var workspaces = new List<WorkspaceRecord>();
        while (await reader.ReadAsync(ct))
        {
            workspaces.Add(new WorkspaceRecord(reader.GetGuid(0), reader.GetString(1)));
        }

        return workspaces;
    }
}
