using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Ductus.Api.Auth.Oidc;
using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Api.Auth.Sessions;

/// <summary>A live browser session: the key it was opened with (as the key is now) and its anti-forgery token.</summary>
public sealed record BrowserSession(byte[] IdHash, AuthenticatedClient Client, string CsrfToken, DateTimeOffset ExpiresAt);

/// <summary>How a session was opened: <c>api_sessions.method</c> and the audit row's <c>details.method</c>.</summary>
public static class SessionMethods
{
    public const string ApiKey = "api_key";
    public const string Oidc = "oidc";
}

/// <summary>A session just opened: <see cref="CookieValue"/> goes into the cookie and is never stored.</summary>
public sealed record OpenedSession(string CookieValue, BrowserSession Session);

/// <summary>
/// The <c>api_sessions</c> table (migrations 0018, 0023). Sessions live in PostgreSQL so every Api
/// replica sees a sign-out at once; the cookie's id is stored only as its SHA-256.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource db, TimeProvider time, IOptions<AuthOptions> options)
{
    // 32 random bytes in base64url; anything longer is not one of ours and is not looked up.
    private const int MaxCookieLength = 64;

    /// <summary>Opens a session for an API key: its roles are read from the key at each request.</summary>
    public async Task<OpenedSession> OpenAsync(AuthenticatedClient client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        return (await OpenAsync(client, SessionMethods.ApiKey, ct))!;
    }

    /// <summary>
    /// Opens a session for a user the external issuer signed in, with the roles its ID token
    /// gave; null when the token's workspace does not exist here.
    /// </summary>
    public async Task<OpenedSession?> OpenAsync(OidcUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await OpenAsync(new AuthenticatedClient(user.Subject, user.WorkspaceId, "", user.Roles, null, user.Grants), SessionMethods.Oidc, ct);
    }

    private async Task<OpenedSession?> OpenAsync(AuthenticatedClient client, string method, CancellationToken ct)
    {
        var cookie = NewSecret();
        var now = time.GetUtcNow();
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, client.WorkspaceId, ct);
        await using (connection)
        await using (tx)
        {
            if (method == SessionMethods.Oidc)
            {
                await using var name = new NpgsqlCommand("SELECT name FROM workspaces WHERE id = $1", connection, tx);
                name.Parameters.AddWithValue(client.WorkspaceId);
                if (await name.ExecuteScalarAsync(ct) is not string workspaceName)
                {
                    return null;
                }

                client = client with { WorkspaceName = workspaceName };
            }

            var session = new BrowserSession(Hash(cookie), client, NewSecret(), now + options.Value.SessionLifetime);

            // Expired rows of this workspace go as new ones come: no sweeper to run on some replica.
            await using (var sweep = new NpgsqlCommand("DELETE FROM api_sessions WHERE expires_at <= $1", connection, tx))
            {
                sweep.Parameters.AddWithValue(now);
                await sweep.ExecuteNonQueryAsync(ct);
            }

            var byKey = method == SessionMethods.ApiKey;
            await using var insert = new NpgsqlCommand("""
                INSERT INTO api_sessions (id_hash, workspace_id, client_id, csrf_token, created_at, expires_at, method, subject, roles, grants)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """, connection, tx);
            insert.Parameters.AddWithValue(session.IdHash);
            insert.Parameters.AddWithValue(client.WorkspaceId);
            insert.Parameters.AddWithValue(byKey ? client.ClientId : DBNull.Value);
            insert.Parameters.AddWithValue(session.CsrfToken);
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(session.ExpiresAt);
            insert.Parameters.AddWithValue(method);
            insert.Parameters.AddWithValue(byKey ? DBNull.Value : client.ClientId);
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = byKey ? DBNull.Value : client.Roles.ToArray() });
            // A key's session reads the key's grants at each request; only an issuer's user keeps its own.
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = byKey ? DBNull.Value : (client.Grants ?? []).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
            await AuditLog.WriteAsync(connection, tx, client.WorkspaceId, new AuditEntry(client.ClientId, AuditActions.SessionStarted, client.ClientId,
                After: new { expiresAt = session.ExpiresAt, method }, RequestId: RequestAudit.RequestId()), ct);
            await tx.CommitAsync(ct);
            return new OpenedSession(cookie, session);
        }
    }

    /// <summary>The live session <paramref name="cookie"/> names; null when unknown, signed out, expired, or its key revoked.</summary>
    public async Task<BrowserSession?> FindAsync(string cookie, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        if (cookie.Length is 0 or > MaxCookieLength)
        {
            return null;
        }

        var idHash = Hash(cookie);
        await using var command = db.CreateCommand("""
            SELECT client_id, workspace_id, workspace_name, roles, rate_limit, csrf_token, expires_at, grants
              FROM ductus_find_api_session($1)
            """);
        command.Parameters.AddWithValue(idHash);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var expiresAt = reader.GetFieldValue<DateTimeOffset>(6);
        if (expiresAt <= time.GetUtcNow())
        {
            return null;
        }

        var client = new AuthenticatedClient(
            reader.GetString(0),
            reader.GetGuid(1),
            reader.GetString(2),
            reader.GetFieldValue<string[]>(3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.GetFieldValue<string[]>(7));
        return new BrowserSession(idHash, client, reader.GetString(5), expiresAt);
    }

    /// <summary>Ends <paramref name="session"/> for every replica; false when it was already gone.</summary>
    public async Task<bool> EndAsync(BrowserSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, session.Client.WorkspaceId, ct);
        await using (connection)
        await using (tx)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM api_sessions WHERE id_hash = $1", connection, tx);
            delete.Parameters.AddWithValue(session.IdHash);
            if (await delete.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            await AuditLog.WriteAsync(connection, tx, session.Client.WorkspaceId,
                new AuditEntry(session.Client.ClientId, AuditActions.SessionEnded, session.Client.ClientId, RequestId: RequestAudit.RequestId()), ct);
            await tx.CommitAsync(ct);
            return true;
        }
    }

    /// <summary>Equal in constant time, so the comparison leaks nothing about how much of a guess was right.</summary>
    public static bool CsrfMatches(BrowserSession session, string? presented)
    {
        ArgumentNullException.ThrowIfNull(session);
        return presented is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(session.CsrfToken));
    }

    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static byte[] Hash(string cookie) => SHA256.HashData(Encoding.UTF8.GetBytes(cookie));
}
