using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;
using Npgsql;

namespace Ductus.Tests.Integration.Pii;

/// <summary>
/// Two datasets of the stack's default workspace with personal data, loaded by real runs of saved
/// specs, and two analysts: one without <c>pii:read</c> and one with it. Made once per stack.
/// </summary>
internal sealed record PiiWorld(string Customers, string Orders, RunRecord CustomersRun, string Salt, HttpClient Masked, HttpClient Unmasked, string UnmaskedClientId)
{
    private static readonly ConcurrentDictionary<StackFixture, Lazy<Task<PiiWorld>>> Worlds = new();

    public const string CustomersCsv = """
        id,email,full_name,city
        1,alice@example.com,Alice Smith,Berlin
        2,bob@example.org,Bob Jones,Paris
        3,not-an-email,Carl Rex,Rome

        """;

    public const string OrdersCsv = """
        order_id,email,amount
        10,alice@example.com,5
        11,alice@example.com,7
        12,bob@example.org,9
        13,nobody@example.net,1

        """;

    public static Task<PiiWorld> GetAsync(StackFixture stack) =>
        Worlds.GetOrAdd(stack, s => new Lazy<Task<PiiWorld>>(() => CreateAsync(s))).Value;

    /// <summary>SHA-256 of the salt and the value, as the hash mask computes it.</summary>
    public string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Salt + value)));

    private static async Task<PiiWorld> CreateAsync(StackFixture stack)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var customers = "cust_" + suffix;
        var orders = "orders_" + suffix;
        var run = await CatalogData.RunAsync(stack, $$"""
            name: cust-{{suffix}}
            source:
              kind: csv
              path: customers.csv
              header: true
              delimiter: ","
              columns: { id: integer, email: varchar, full_name: varchar, city: varchar }
            contract:
              policy: quarantine
              columns:
                id: { type: integer }
                email: { type: varchar, classification: pii.email, pattern: "@" }
                full_name: { type: varchar, classification: pii.name, mask: partial }
                city: { type: varchar }
            target: { dataset: {{customers}}, mode: append }
            """, new Dictionary<string, string> { ["customers.csv"] = CustomersCsv });
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(1, run.RowsRejected);
        var ordersRun = await CatalogData.RunAsync(stack, $$"""
            name: orders-{{suffix}}
            source: { kind: csv, path: orders.csv, header: true, delimiter: ",", columns: { order_id: integer, email: varchar, amount: integer } }
            contract:
              columns:
                email: { type: varchar, classification: pii.email }
            target: { dataset: {{orders}}, mode: append }
            """, new Dictionary<string, string> { ["orders.csv"] = OrdersCsv });
        Assert.Equal(RunStatus.Succeeded, ordersRun.Status);

        using var admin = await stack.CreateAdminClientAsync();
        var masked = await admin.CreateKeyAsync([Roles.Analyst], name: "pii masked");
        var unmasked = await CreateKeyWithGrantAsync(admin);
        return new PiiWorld(customers, orders, run, await SaltAsync(stack),
            stack.CreateApiClient(await stack.GetTokenAsync(masked.ClientId, masked.ClientSecret)),
            stack.CreateApiClient(await stack.GetTokenAsync(unmasked.ClientId, unmasked.ClientSecret)),
            unmasked.ClientId);
    }

    public static async Task<TestKey> CreateKeyWithGrantAsync(HttpClient admin)
    {
        using var created = await admin.PostAsJsonAsync(ApiJson.Relative("/api/keys"), new { name = "pii reader", roles = new[] { Roles.Analyst }, grants = new[] { Grants.PiiRead } });
        var body = await created.BodyAsync();
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, body.ToString());
        Assert.Equal([Grants.PiiRead], body.GetProperty("grants").EnumerateArray().Select(g => g.GetString()));
        return new TestKey(body.GetProperty("id").GetGuid(), body.GetProperty("clientId").GetString()!, body.GetProperty("clientSecret").GetString()!);
    }

    /// <summary>The workspace's salt, as the services get it (made now if no masked read made it yet).</summary>
    private static async Task<string> SaltAsync(StackFixture stack)
    {
        await using var app = CatalogData.App(stack);
        return await new PiiSalts(app).GetAsync(CatalogData.DefaultWorkspace);
    }

    /// <summary>The newest audit rows of <paramref name="action"/> in the default workspace, as the owner reads them.</summary>
    public static async Task<List<(string Actor, string Target, System.Text.Json.JsonElement Details)>> AuditAsync(StackFixture stack, string action, string? actor = null)
    {
        await using var db = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        await using var command = db.CreateCommand("""
            SELECT actor, target, details::text FROM audit_log
             WHERE workspace_id = $1 AND action = $2 AND ($3::text IS NULL OR actor = $3)
             ORDER BY id DESC
            """);
        command.Parameters.AddWithValue(CatalogData.DefaultWorkspace);
        command.Parameters.AddWithValue(action);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)actor ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, System.Text.Json.JsonElement)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
        }

        return rows;
    }
}
