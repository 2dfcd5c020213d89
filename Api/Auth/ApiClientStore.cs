using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Npgsql;

namespace Ductus.Api.Auth;

/// <summary>A stored API client as listed to admins: everything except the secret hash.</summary>
public sealed record ApiClient(
    Guid Id,
    string ClientId,
    string Name,
    string? Description,
    IReadOnlyList<string> Roles,
    int? RateLimit,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<string> Grants);

/// <summary>A client as the token exchange reads it: with its secret hash, whatever its state.</summary>
public sealed record StoredClient(
    Guid Id,
    string ClientId,
    string SecretHash,
    IReadOnlyList<string> Roles,
    int? RateLimit,
    bool Revoked,
    Guid WorkspaceId,
    string WorkspaceName,
    IReadOnlyList<string> Grants)
{
    public AuthenticatedClient ToAuthenticated() => new(ClientId, WorkspaceId, WorkspaceName, Roles, RateLimit, Grants);
}

public sealed record NewApiClient(string Name, string? Description, IReadOnlyList<string> Roles, int? RateLimit, IReadOnlyList<string>? Grants = null);

public enum RevokeOutcome
{
    Revoked,
    AlreadyRevoked,
    NotFound,
    BootstrapClient,
}

/// <summary>The <c>api_clients</c> table. Every read and change is scoped to one workspace except the token lookup.</summary>
public sealed class ApiClientStore(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>The bootstrap workspace created by the first migration.</summary>
    public static readonly Guid DefaultWorkspaceId = new("00000000-0000-0000-0000-000000000001");

    private const string Columns = "id, client_id, name, description, roles, rate_limit, created_at, created_by, revoked_at, last_used_at, grants";

    /// <summary>
    /// The client named <paramref name="clientId"/> with its secret hash, revoked or not, from any
    /// workspace; null when there is none. The one read across workspaces, through a function that
    /// returns this client only. Deciding whether a secret matches is <see cref="ClientAuthenticator"/>'s.
    /// </summary>
    public async Task<StoredClient?> FindAsync(string clientId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT id, secret_hash, roles, rate_limit, revoked, workspace_id, workspace_name, grants
              FROM ductus_find_api_client($1)
            """);
        command.Parameters.AddWithValue(clientId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new StoredClient(
            reader.GetGuid(0),
            clientId,
            reader.GetString(1),
            reader.GetFieldValue<string[]>(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3),
            reader.GetBoolean(4),
            reader.GetGuid(5),
            reader.GetString(6),
            reader.GetFieldValue<string[]>(7));
    }

    /// <summary>Records that <paramref name="client"/> just got a token (<c>lastUsedAt</c>).</summary>
    public async Task TouchAsync(StoredClient client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, client.WorkspaceId, ct);
        await using (connection)
        await using (tx)
        {
            await using var touch = new NpgsqlCommand("UPDATE api_clients SET last_used_at = $2 WHERE id = $1", connection, tx);
            touch.Parameters.AddWithValue(client.Id);
            touch.Parameters.AddWithValue(time.GetUtcNow());
            await touch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// Inserts a client inside the caller's transaction, which from here on acts for
    /// <paramref name="workspaceId"/>, and returns it with its one-time secret.
    /// </summary>
    public async Task<(ApiClient Client, string Secret)> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, NewApiClient client, string createdBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var credentials = ClientCredentials.Generate();
        await WorkspaceScope.ActForAsync(connection, transaction, workspaceId, ct);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO api_clients (id, workspace_id, client_id, secret_hash, roles, name, description, rate_limit, created_at, created_by, grants)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(credentials.ClientId);
        command.Parameters.AddWithValue(SecretHasher.Hash(credentials.ClientSecret));
        command.Parameters.AddWithValue(client.Roles.Distinct(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(client.Name);
        command.Parameters.AddWithValue((object?)client.Description ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)client.RateLimit ?? DBNull.Value);
        command.Parameters.AddWithValue(time.GetUtcNow());
        command.Parameters.AddWithValue(createdBy);
        command.Parameters.AddWithValue((client.Grants ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (Read(reader), credentials.ClientSecret);
    }

    public async Task<IReadOnlyList<ApiClient>> ListAsync(Guid workspaceId, CancellationToken ct)
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, workspaceId, ct);
        await using (connection)
        await using (tx)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT {Columns} FROM api_clients WHERE workspace_id = $1 ORDER BY created_at, client_id", connection, tx);
            command.Parameters.AddWithValue(workspaceId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var clients = new List<ApiClient>();
            while (await reader.ReadAsync(ct))
            {
                clients.Add(Read(reader));
            }

            return clients;
        }
    }

    public async Task<RevokeOutcome> RevokeAsync(Guid workspaceId, Guid id, string actor, CancellationToken ct)
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, workspaceId, ct);
        await using var _ = connection;
        await using var __ = tx;
        await using var find = new NpgsqlCommand(
            "SELECT client_id, revoked_at IS NOT NULL FROM api_clients WHERE id = $1 AND workspace_id = $2 FOR UPDATE", connection, tx);
        find.Parameters.AddWithValue(id);
        find.Parameters.AddWithValue(workspaceId);
        string clientId;
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return RevokeOutcome.NotFound;
            }

            clientId = reader.GetString(0);
            if (reader.GetBoolean(1))
            {
                return RevokeOutcome.AlreadyRevoked;
            }
        }

        if (clientId == ClientCredentials.BootstrapAdminClientId)
        {
            return RevokeOutcome.BootstrapClient;
        }

        await using var revoke = new NpgsqlCommand("UPDATE api_clients SET revoked_at = $2 WHERE id = $1", connection, tx);
        revoke.Parameters.AddWithValue(id);
        revoke.Parameters.AddWithValue(time.GetUtcNow());
        await revoke.ExecuteNonQueryAsync(ct);
        await AuditLog.WriteAsync(connection, tx, workspaceId, new AuditEntry(actor, AuditActions.KeyRevoked, clientId, After: new { id }, RequestId: RequestAudit.RequestId()), ct);
        await tx.CommitAsync(ct);
        return RevokeOutcome.Revoked;
    }

    /// <summary>
    /// Sets the key's grants; when they change, a <see cref="AuditActions.GrantChanged"/> row with
    /// the grants before and after commits with them. Null when the workspace has no such key.
    /// </summary>
    public async Task<ApiClient?> SetGrantsAsync(Guid workspaceId, Guid id, IReadOnlyList<string> grants, AuditEntry audit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(audit);
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, workspaceId, ct);
        await using var _ = connection;
        await using var __ = tx;
        await using var find = new NpgsqlCommand("SELECT client_id, grants FROM api_clients WHERE id = $1 AND workspace_id = $2 FOR UPDATE", connection, tx);
        find.Parameters.AddWithValue(id);
        find.Parameters.AddWithValue(workspaceId);
        string clientId;
        string[] before;
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            (clientId, before) = (reader.GetString(0), reader.GetFieldValue<string[]>(1));
        }

        var after = grants.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await using var update = new NpgsqlCommand($"UPDATE api_clients SET grants = $2 WHERE id = $1 RETURNING {Columns}", connection, tx);
        update.Parameters.AddWithValue(id);
        update.Parameters.AddWithValue(after);
        ApiClient client;
        await using (var reader = await update.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            client = Read(reader);
        }

        if (!before.SequenceEqual(after, StringComparer.Ordinal))
        {
            await AuditLog.WriteAsync(connection, tx, workspaceId, audit with { Action = AuditActions.GrantChanged, Target = clientId, Before = new { grants = before }, After = new { grants = after } }, ct);
        }

        await tx.CommitAsync(ct);
        return client;
    }

    /// <summary>
    /// Makes the bootstrap admin client exist in the default workspace with <paramref name="adminKey"/>
    /// as its secret. Rehashes only when the key changed, so restarts do not churn the row.
    /// </summary>
    public async Task<bool> EnsureBootstrapAdminAsync(string adminKey, CancellationToken ct)
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, DefaultWorkspaceId, ct);
        await using var _ = connection;
        await using var __ = tx;
        // Two Api replicas starting together must not both insert.
        await using (var lockRow = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('ductus.bootstrap-admin'))", connection, tx))
        {
            await lockRow.ExecuteNonQueryAsync(ct);
        }

        await using var find = new NpgsqlCommand("SELECT secret_hash, revoked_at IS NOT NULL FROM api_clients WHERE client_id = $1", connection, tx);
        find.Parameters.AddWithValue(ClientCredentials.BootstrapAdminClientId);
        string? hash = null;
        var revoked = false;
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                hash = reader.GetString(0);
                revoked = reader.GetBoolean(1);
            }
        }

        if (hash is not null && !revoked && SecretHasher.Verify(adminKey, hash))
        {
            return false;
        }

        // The operator holds admin-key; whoever holds it is the admin, so a changed key replaces
        // the old one and a revoked bootstrap client comes back.
        await using var upsert = new NpgsqlCommand("""
            INSERT INTO api_clients (id, workspace_id, client_id, secret_hash, roles, name, description, created_at, created_by)
            VALUES ($1, $2, $3, $4, ARRAY['admin'], 'Bootstrap admin', 'Secret is the admin-key parameter of the AppHost.', $5, 'system')
            ON CONFLICT (client_id) DO UPDATE
               SET secret_hash = excluded.secret_hash, roles = excluded.roles, revoked_at = NULL
            """, connection, tx);
        upsert.Parameters.AddWithValue(Guid.CreateVersion7());
        upsert.Parameters.AddWithValue(DefaultWorkspaceId);
        upsert.Parameters.AddWithValue(ClientCredentials.BootstrapAdminClientId);
        upsert.Parameters.AddWithValue(SecretHasher.Hash(adminKey));
        upsert.Parameters.AddWithValue(time.GetUtcNow());
        await upsert.ExecuteNonQueryAsync(ct);
        // A new or replaced admin secret hands the workspace to whoever holds it: a key event like any other.
        await AuditLog.WriteAsync(connection, tx, DefaultWorkspaceId, new AuditEntry(AuditActors.Bootstrap, AuditActions.KeyCreated, ClientCredentials.BootstrapAdminClientId,
            After: new { roles = new[] { Core.Auth.Roles.Admin }, replaced = hash is not null, unrevoked = revoked }), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static ApiClient Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetFieldValue<string[]>(4),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetFieldValue<string[]>(10));
}
