using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;

namespace Ductus.Tests.Integration.Pii;

/// <summary>Grants given and taken with their audit rows, and the warning about columns that look personal.</summary>
[Collection(StackDefinition.Name)]
public sealed class PiiGovernanceTests(StackFixture stack)
{
    private static readonly string[] AnalystOnly = [Roles.Analyst];
    private static readonly string[] UnknownGrant = ["pii:write"];

    [Fact]
    public async Task Giving_and_taking_pii_read_writes_a_grant_changed_row_and_changes_what_the_key_reads()
    {
        var world = await PiiWorld.GetAsync(stack);
        using var admin = await stack.CreateAdminClientAsync();
        var key = await admin.CreateKeyAsync([Roles.Analyst], name: "pii grant changes");
        var sql = new { sql = $"SELECT email FROM {world.Orders} ORDER BY order_id LIMIT 1" };

        async Task<string?> ReadAsync()
        {
            using var client = stack.CreateApiClient(await stack.GetTokenAsync(key.ClientId, key.ClientSecret));
            using var response = await client.PostAsJsonAsync(ApiJson.Relative("/api/query"), sql);
            return (await response.BodyAsync()).GetProperty("rows")[0][0].GetString();
        }

        Assert.Equal(world.Hash("alice@example.com"), await ReadAsync());
        Assert.DoesNotContain(await PiiWorld.AuditAsync(stack, AuditActions.GrantChanged), r => r.Target == key.ClientId);

        using (var given = await admin.PutAsJsonAsync(ApiJson.Relative($"/api/keys/{key.Id}/grants"), new { grants = new[] { Grants.PiiRead } }))
        {
            var body = await given.BodyAsync();
            Assert.True(given.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal([Grants.PiiRead], body.GetProperty("grants").EnumerateArray().Select(g => g.GetString()));
        }

        Assert.Equal("alice@example.com", await ReadAsync());
        using (var again = await admin.PutAsJsonAsync(ApiJson.Relative($"/api/keys/{key.Id}/grants"), new { grants = new[] { Grants.PiiRead } }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var taken = await admin.PutAsJsonAsync(ApiJson.Relative($"/api/keys/{key.Id}/grants"), new { grants = Array.Empty<string>() }))
        {
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        }

        Assert.Equal(world.Hash("alice@example.com"), await ReadAsync());
        // Two changes, two rows (setting the same grants again changes nothing), newest first.
        var rows = (await PiiWorld.AuditAsync(stack, AuditActions.GrantChanged)).Where(r => r.Target == key.ClientId).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(("[]", "[\"pii:read\"]"), (GrantList(rows[1].Details, "before"), GrantList(rows[1].Details, "after")));
        Assert.Equal(("[\"pii:read\"]", "[]"), (GrantList(rows[0].Details, "before"), GrantList(rows[0].Details, "after")));
        Assert.Equal(ClientCredentials.BootstrapAdminClientId, rows[0].Actor);
    }

    private static string GrantList(JsonElement details, string side) => details.GetProperty(side).GetProperty("grants").GetRawText();

    [Fact]
    public async Task A_key_created_with_the_grant_is_audited_and_unknown_grants_are_refused_by_field()
    {
        using var admin = await stack.CreateAdminClientAsync();
        var key = await PiiWorld.CreateKeyWithGrantAsync(admin);

        var row = Assert.Single(await PiiWorld.AuditAsync(stack, AuditActions.GrantChanged), r => r.Target == key.ClientId);
        Assert.Equal("[\"pii:read\"]", GrantList(row.Details, "after"));

        using var refused = await admin.PostAsJsonAsync(ApiJson.Relative("/api/keys"), new { name = "bad grant", roles = AnalystOnly, grants = UnknownGrant });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.BodyAsync();
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.StartsWith("grants", error.GetProperty("name").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Grants must be among pii:read.", error.GetProperty("reason").GetString());
        using var missing = await admin.PutAsJsonAsync(ApiJson.Relative($"/api/keys/{Guid.NewGuid()}/grants"), new { grants = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        using var forbidden = await analyst.PutAsJsonAsync(ApiJson.Relative($"/api/keys/{key.Id}/grants"), new { grants = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Validating_or_saving_a_spec_with_unclassified_personal_columns_warns_but_accepts_it()
    {
        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        var name = "pii-warn-" + Guid.NewGuid().ToString("N")[..8];
        var yaml = $$"""
            name: {{name}}
            source: { kind: ingest }
            contract:
              columns:
                id: { type: integer }
                customer_email: { type: varchar }
                phone: { type: varchar, classification: pii.phone }
                name: { type: varchar, pii: false }
            target: { dataset: {{name.Replace('-', '_')}} }
            """;

        using var validated = await engineer.PostAsync(ApiJson.Relative("/api/pipelines/validate"), ApiJson.Yaml(yaml));
        using var created = await engineer.PostAsync(ApiJson.Relative("/api/pipelines"), ApiJson.Yaml(yaml));

        var body = await validated.BodyAsync();
        Assert.True(validated.StatusCode == HttpStatusCode.OK, body.ToString());
        var warning = Assert.Single(body.GetProperty("warnings").EnumerateArray());
        Assert.Equal("contract.columns.customer_email", warning.GetProperty("path").GetString());
        Assert.Contains("pii.email", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        var saved = await created.BodyAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, saved.ToString());
        Assert.Equal("contract.columns.customer_email", saved.GetProperty("warnings")[0].GetProperty("path").GetString());
        Assert.Equal("pii.phone", saved.GetProperty("spec").GetProperty("contract").GetProperty("columns").GetProperty("phone").GetProperty("classification").GetString());
    }
}
