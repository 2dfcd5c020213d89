using System.Net.Http.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

/// <summary>The policies on api_clients and audit_log, checked as the role services act as.</summary>
[Collection(StackDefinition.Name)]
public sealed class KeyTablesRowLevelSecurityTests(StackFixture stack)
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid B = Guid.Parse("0193a000-0000-7000-8000-00000000000b");

    [Fact]
    public async Task The_app_role_sees_and_writes_only_its_workspace_keys_and_audit_rows()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(db.DataSource).UpAsync();
        await ExecuteAsync(db.DataSource, null, $"""
            INSERT INTO workspaces (id, name) VALUES ('{B}', 'tenant-b');
            INSERT INTO api_clients (id, workspace_id, client_id, secret_hash, roles, name, created_by)
            VALUES (gen_random_uuid(), '{A}', 'key-a', '{SecretHasher.Hash("s", 10)}', ARRAY['admin'], 'a', 'test'),
                   (gen_random_uuid(), '{B}', 'key-b', '{SecretHasher.Hash("s", 10)}', ARRAY['ingest'], 'b', 'test');
            INSERT INTO audit_log (workspace_id, actor, action, target) VALUES ('{A}', 'test', 'key.created', 'key-a'),
                                                                              ('{B}', 'test', 'key.created', 'key-b');
            """);

        await using var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString));
        Assert.Equal(1L, await ExecuteAsync(app, A, "SELECT count(*) FROM api_clients"));
        Assert.Equal("key-b", await ExecuteAsync(app, B, "SELECT client_id FROM api_clients"));
        Assert.Equal(0L, await ExecuteAsync(app, null, "SELECT count(*) FROM api_clients"));
        Assert.Equal(0L, await ExecuteAsync(app, null, "SELECT count(*) FROM audit_log"));
        Assert.Equal(1L, await ExecuteAsync(app, B, "SELECT count(*) FROM audit_log"));

        // Revoking another workspace's key by id touches nothing.
        Assert.Null(await ExecuteAsync(app, B, "UPDATE api_clients SET revoked_at = now() WHERE client_id = 'key-a' RETURNING 1"));

        // The token lookup is the one read across workspaces, and it answers for one client only.
        Assert.Equal("tenant-b", await ExecuteAsync(app, null, "SELECT workspace_name FROM ductus_find_api_client('key-b')"));
        Assert.Equal("default", await ExecuteAsync(app, B, "SELECT workspace_name FROM ductus_find_api_client('key-a')"));

        // Planting a row in another workspace is refused, and the audit log cannot be rewritten.
        var planted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(app, B,
            $"INSERT INTO audit_log (workspace_id, actor, action, target) VALUES ('{A}', 'x', 'key.revoked', 'key-a')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, planted.SqlState);
        var rewrite = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(app, B, "DELETE FROM audit_log"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, rewrite.SqlState);
        await using var reader = db.DataSource.CreateCommand("SELECT count(*) FROM audit_log");
        Assert.Equal(2L, await reader.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_api_queries_as_the_role_that_cannot_bypass_row_level_security()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var info = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri("/api/system/info", UriKind.Relative));
        Assert.Equal(CatalogRole.Name, info.GetProperty("postgres").GetProperty("role").GetString());
    }

    /// <summary>Runs <paramref name="sql"/> in one transaction acting for <paramref name="workspace"/> (none when null).</summary>
    private static async Task<object?> ExecuteAsync(NpgsqlDataSource source, Guid? workspace, string sql)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (workspace is { } id)
        {
            await WorkspaceScope.ActForAsync(connection, tx, id, CancellationToken.None);
        }

        await using var command = new NpgsqlCommand(sql, connection, tx);
        var result = await command.ExecuteScalarAsync();
        await tx.CommitAsync();
        return result is DBNull ? null : result;
    }
}
