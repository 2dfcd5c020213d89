using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Api;

[Collection(StackDefinition.Name)]
public sealed class KeysAndWorkspacesTests(StackFixture stack)
{
    private static readonly Uri Keys = new("/api/keys", UriKind.Relative);
    private static readonly Uri Workspaces = new("/api/workspaces", UriKind.Relative);

    [Fact]
    public async Task A_new_key_shows_its_secret_once_and_the_list_never_does()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Ingest], rateLimit: 50, name: "ingest from shop");

        var list = await admin.GetFromJsonAsync<JsonElement>(Keys);
        var text = list.GetRawText();
        Assert.DoesNotContain(key.ClientSecret, text, StringComparison.Ordinal);
        Assert.All(list.GetProperty("items").EnumerateArray(), k => Assert.DoesNotContain(
            k.EnumerateObject(), p => p.Name.Contains("secret", StringComparison.OrdinalIgnoreCase) || p.Name.Contains("hash", StringComparison.OrdinalIgnoreCase)));
        var listed = list.GetProperty("items").EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == key.Id);
        Assert.Equal(key.ClientId, listed.GetProperty("clientId").GetString());
        Assert.Equal("ingest from shop", listed.GetProperty("name").GetString());
        Assert.Equal(["ingest"], listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(50, listed.GetProperty("rateLimit").GetInt32());
        Assert.Equal("admin", listed.GetProperty("createdBy").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);

        // Not even the database holds the secret in readable form.
        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var command = db.CreateCommand("SELECT secret_hash FROM api_clients WHERE id = $1");
        command.Parameters.AddWithValue(key.Id);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.StartsWith("pbkdf2-sha256$", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(key.ClientSecret, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_listed_as_revoked()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Analyst]);
        using var revoke = await admin.DeleteAsync(new Uri($"/api/keys/{key.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var listed = (await admin.GetFromJsonAsync<JsonElement>(Keys)).GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("id").GetGuid() == key.Id);
        Assert.Equal(JsonValueKind.String, listed.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task Unknown_roles_and_missing_names_are_field_errors()
    {
        using var admin = await stack.CreateAdminClientAsync();
        using var response = await admin.PostAsJsonAsync(Keys, new { name = "", roles = (string[])["root"] });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var names = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        Assert.Contains(names, n => n.Equals("name", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(names, n => n.StartsWith("roles", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_bootstrap_admin_cannot_be_revoked_through_the_api()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var bootstrap = (await admin.GetFromJsonAsync<JsonElement>(Keys)).GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("clientId").GetString() == ClientCredentials.BootstrapAdminClientId);
        using var response = await admin.DeleteAsync(new Uri($"/api/keys/{bootstrap.GetProperty("id").GetGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await stack.GetTokenAsync(ClientCredentials.BootstrapAdminClientId, stack.AdminKey);
    }

    [Fact]
    public async Task A_new_workspace_comes_with_an_admin_key_that_sees_only_that_workspace()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var name = "ws-" + Guid.NewGuid().ToString("N")[..10];
        using var created = await admin.PostAsJsonAsync(Workspaces, new { name });
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var workspaceId = body.GetProperty("id").GetGuid();
        var adminKey = body.GetProperty("adminKey");

        var token = await stack.GetTokenAsync(adminKey.GetProperty("clientId").GetString()!, adminKey.GetProperty("clientSecret").GetString()!);
        var claims = ApiAuth.ReadPayload(token);
        Assert.Equal(workspaceId.ToString(), claims.GetProperty("ws").GetString());
        Assert.Equal(name, claims.GetProperty("ws_name").GetString());

        using var other = stack.CreateApiClient(token);
        var workspaces = (await other.GetFromJsonAsync<JsonElement>(Workspaces)).GetProperty("items").EnumerateArray()
            .Select(w => w.GetProperty("name").GetString()).ToList();
        Assert.Equal([name], workspaces);

        // Its key list holds its own admin key only, nothing of the default workspace.
        var keys = (await other.GetFromJsonAsync<JsonElement>(Keys)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([adminKey.GetProperty("clientId").GetString()], keys.Select(k => k.GetProperty("clientId").GetString()));

        // A guessed id from another workspace is as absent as an id that does not exist.
        var foreign = await admin.CreateKeyAsync([Roles.Analyst]);
        using var revoke = await other.DeleteAsync(new Uri($"/api/keys/{foreign.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        await stack.GetTokenAsync(foreign.ClientId, foreign.ClientSecret);

        // Only operators (admins of the default workspace) create workspaces.
        using var nested = await other.PostAsJsonAsync(Workspaces, new { name = name + "-child" });
        Assert.Equal(HttpStatusCode.Forbidden, nested.StatusCode);

        var all = (await admin.GetFromJsonAsync<JsonElement>(Workspaces)).GetProperty("items").EnumerateArray()
            .Select(w => w.GetProperty("name").GetString()).ToList();
        Assert.Contains("default", all);
        Assert.Contains(name, all);
    }

    [Fact]
    public async Task A_workspace_name_is_unique_and_must_follow_the_naming_rule()
    {
        using var admin = await stack.CreateAdminClientAsync();
        using var duplicate = await admin.PostAsJsonAsync(Workspaces, new { name = "default" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        using var invalid = await admin.PostAsJsonAsync(Workspaces, new { name = "Not Valid" });
        var body = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("name", body.GetProperty("errors")[0].GetProperty("name").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task Every_change_leaves_an_audit_row_with_who_what_and_when()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-5);
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Engineer]);
        using (var revoke = await admin.DeleteAsync(new Uri($"/api/keys/{key.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        var name = "audit-" + Guid.NewGuid().ToString("N")[..10];
        using (var created = await admin.PostAsJsonAsync(Workspaces, new { name }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var command = db.CreateCommand("""
            SELECT a.action, a.actor, w.name, a.details::text, a.at
              FROM audit_log a JOIN workspaces w ON w.id = a.workspace_id
             WHERE a.target = ANY($1)
             ORDER BY a.id
            """);
        command.Parameters.AddWithValue(new[] { key.ClientId, name });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string Action, string Actor, string Workspace, string Details, DateTimeOffset At)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        Assert.Equal(["key.created", "key.revoked", "workspace.created"], rows.Select(r => r.Action));
        Assert.All(rows, r => Assert.Equal("admin", r.Actor));
        Assert.All(rows, r => Assert.Equal("default", r.Workspace));
        Assert.All(rows, r => Assert.InRange(r.At, started, DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Contains(key.Id.ToString(), rows[0].Details, StringComparison.Ordinal);
        Assert.Contains("engineer", rows[0].Details, StringComparison.Ordinal);

        // The same rows through the Api, newest first, paged.
        var page = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/audit?limit=3", UriKind.Relative));
        var entries = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.True(page.GetProperty("nextBefore").GetInt64() > 0);
        var ours = entries.Where(e => e.GetProperty("target").GetString() is { } t && (t == key.ClientId || t == name))
            .Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("workspace.created", ours);
        var ids = entries.Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
    }

    [Fact]
    public async Task A_workspace_audit_log_holds_only_its_own_rows()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var name = "iso-" + Guid.NewGuid().ToString("N")[..10];
        using var created = await admin.PostAsJsonAsync(Workspaces, new { name });
        var adminKey = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("adminKey");
        using var other = stack.CreateApiClient(await stack.GetTokenAsync(
            adminKey.GetProperty("clientId").GetString()!, adminKey.GetProperty("clientSecret").GetString()!));

        var entries = (await other.GetFromJsonAsync<JsonElement>(new Uri("/api/audit", UriKind.Relative)))
            .GetProperty("items").EnumerateArray().ToList();
        var only = Assert.Single(entries);
        Assert.Equal("key.created", only.GetProperty("action").GetString());
        Assert.Equal(adminKey.GetProperty("clientId").GetString(), only.GetProperty("target").GetString());
    }
}
