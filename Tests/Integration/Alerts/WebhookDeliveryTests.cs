using System.Net;
using System.Text;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Pipelines.Alerts;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Api;
using Ductus.Tests.Integration.Catalog;
using Npgsql;

namespace Ductus.Tests.Integration.Alerts;

/// <summary>Signed webhooks, their retries and the record of every attempt, on the stack's real PostgreSQL.</summary>
[Collection(StackDefinition.Name)]
public sealed class WebhookDeliveryTests(StackFixture stack)
{
    private static RunRecord FailedRun() => new(
        Guid.NewGuid(), "orders", "orders_ds", RunStatus.Failed, RunTrigger.Schedule, null, 3, 1,
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, new Dictionary<string, TimeSpan>(),
        10, 0, 0, 0, null, "GET https://api.example.com answered 503", "extract", "node-1");

    private static RunAlerts RunAlerts(AlertSender sender, AlertOptions options) =>
        new(sender, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

    [Fact]
    public async Task An_alert_is_signed_so_the_receiver_verifies_it_with_the_webhook_secret_and_not_with_another()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        await using var receiver = new AlertReceiver();
        using var http = new HttpClient();
        var run = FailedRun();

        await RunAlerts(AlertReceiver.Sender(http, receiver.Options(), db.App), receiver.Options()).RunFailedAsync(ws, "alpha", run, CancellationToken.None);

        var got = Assert.Single(receiver.Snapshot());
        var now = DateTimeOffset.UtcNow;
        Assert.Matches("^sha256=[0-9a-f]{64}$", got.Signature);
        Assert.True(WebhookSignature.Verify(AlertReceiver.Secret, got.Timestamp, got.Signature, got.Body, now));
        Assert.False(WebhookSignature.Verify("another-secret-0123456789abcdef", got.Timestamp, got.Signature, got.Body, now));
        Assert.False(WebhookSignature.Verify(AlertReceiver.Secret, got.Timestamp, got.Signature, [.. got.Body, (byte)' '], now));
        Assert.False(WebhookSignature.Verify(AlertReceiver.Secret, got.Timestamp, got.Signature, got.Body, now.AddMinutes(6)));
        // The signature is over "timestamp.body", recomputable with nothing but the secret (docs/operations.md shows openssl).
        var signed = Encoding.UTF8.GetBytes(got.Timestamp + ".").Concat(got.Body).ToArray();
        Assert.Equal(got.Signature, "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(AlertReceiver.Secret), signed)));

        var json = got.Json;
        Assert.Equal(got.AlertId, json.GetProperty("id").GetString());
        Assert.Equal(("run.failed", "error", "alpha", "orders", "orders_ds"), (json.GetProperty("kind").GetString(), json.GetProperty("level").GetString(),
            json.GetProperty("workspace").GetString(), json.GetProperty("pipeline").GetString(), json.GetProperty("dataset").GetString()));
        Assert.Equal(run.Id, json.GetProperty("runId").GetGuid());
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Equal("GET https://api.example.com answered 503", json.GetProperty("error").GetString());
        Assert.Equal("extract", json.GetProperty("errorStep").GetString());
        Assert.Equal($"https://ductus.example/api/runs/{run.Id}", json.GetProperty("link").GetString());

        var delivery = Assert.Single(await DeliveriesAsync(db.App, ws));
        Assert.Equal((Guid.Parse(got.AlertId!), "run.failed", "orders", "orders_ds", "default", 1, (int?)200, (string?)null, true),
            (delivery.AlertId, delivery.Kind, delivery.Pipeline, delivery.Dataset, delivery.Webhook, delivery.Attempt, delivery.Status, delivery.Error, delivery.Delivered));
    }

    [Fact]
    public async Task A_receiver_that_is_down_is_retried_with_backoff_and_every_attempt_is_recorded()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        await using var receiver = new AlertReceiver(503, 500);
        using var http = new HttpClient();

        await RunAlerts(AlertReceiver.Sender(http, receiver.Options(), db.App), receiver.Options()).RunRecoveredAsync(ws, "alpha", FailedRun() with { Status = RunStatus.Succeeded }, CancellationToken.None);

        var got = receiver.Snapshot();
        Assert.Equal(3, got.Length);
        Assert.Single(got.Select(g => g.AlertId).Distinct());
        Assert.All(got, g => Assert.True(WebhookSignature.Verify(AlertReceiver.Secret, g.Timestamp, g.Signature, g.Body, DateTimeOffset.UtcNow)));
        Assert.Equal("run.recovered", got[2].Json.GetProperty("kind").GetString());

        var attempts = await DeliveriesAsync(db.App, ws);
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([503, 500, 200], attempts.Select(a => a.Status));
        Assert.Equal([false, false, true], attempts.Select(a => a.Delivered));
        Assert.StartsWith("answered 503", attempts[0].Error, StringComparison.Ordinal);
        Assert.StartsWith("answered 500", attempts[1].Error, StringComparison.Ordinal);
        Assert.Null(attempts[2].Error);
        // Backoff doubles: 50 ms before the second attempt, 100 ms before the third. `at` is wall-clock time
        // and the delay a timer, which may fire a tick early (CI measured 98.95 ms for a 100 ms wait), so
        // allow 5 ms; with no backoff at all the gaps would be a few milliseconds and this still fails.
        var slack = TimeSpan.FromMilliseconds(5);
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(50) - slack, $"{attempts[1].At - attempts[0].At}");
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(100) - slack, $"{attempts[2].At - attempts[1].At}");
    }

    [Fact]
    public async Task An_undeliverable_alert_gives_up_after_its_attempts_and_records_why_each_failed()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        await using var receiver = new AlertReceiver(500, 500, 500, 500);
        var options = receiver.Options(maxAttempts: 3);
        // A second webhook where nothing listens: refused, with no status to record.
        options.Webhooks["pager"] = new WebhookOptions { Url = new Uri($"http://127.0.0.1:{TestHttpServer.FreePort()}/"), Secret = "pager-secret-0123456789abcdef" };
        using var http = new HttpClient();

        await RunAlerts(AlertReceiver.Sender(http, options, db.App), options).RunFailedAsync(ws, "alpha", FailedRun(), CancellationToken.None);

        Assert.Equal(3, receiver.Snapshot().Length);
        var attempts = await DeliveriesAsync(db.App, ws);
        Assert.Equal(6, attempts.Count);
        Assert.All(attempts, a => Assert.False(a.Delivered));
        Assert.Equal([1, 2, 3], attempts.Where(a => a.Webhook == "default").Select(a => a.Attempt));
        Assert.All(attempts.Where(a => a.Webhook == "default"), a => Assert.Equal(500, a.Status));
        var refused = attempts.Where(a => a.Webhook == "pager").ToList();
        Assert.Equal([1, 2, 3], refused.Select(a => a.Attempt));
        Assert.All(refused, a => Assert.Null(a.Status));
        Assert.All(refused, a => Assert.Contains("refused", a.Error, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Admins_list_the_delivery_attempts_of_their_workspace_and_other_roles_are_refused()
    {
        await using var app = NpgsqlDataSource.Create(CatalogRole.Adopt(stack.DatabaseConnectionString));
        var catalog = new CatalogStore(app, TimeProvider.System);
        var ws = (await catalog.Workspaces.FindAsync("default"))!.Value;
        await using var receiver = new AlertReceiver(502);
        using var http = new HttpClient();
        await RunAlerts(AlertReceiver.Sender(http, receiver.Options(), app), receiver.Options()).RunFailedAsync(ws, "default", FailedRun(), CancellationToken.None);
        var alertId = receiver.Snapshot()[0].AlertId;

        using var admin = await stack.CreateAdminClientAsync();
        using var response = await admin.GetAsync(ApiJson.Relative($"/api/alerts/deliveries?alertId={alertId}&limit=1"));
        var body = await response.BodyAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var newest = Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.Equal((2, 200, true), (newest.GetProperty("attempt").GetInt32(), newest.GetProperty("statusCode").GetInt32(), newest.GetProperty("delivered").GetBoolean()));
        var before = body.GetProperty("nextBefore").GetInt64();
        var older = await (await admin.GetAsync(ApiJson.Relative($"/api/alerts/deliveries?alertId={alertId}&before={before}"))).BodyAsync();
        var first = Assert.Single(older.GetProperty("items").EnumerateArray());
        Assert.Equal((1, 502, "run.failed", "default"), (first.GetProperty("attempt").GetInt32(), first.GetProperty("statusCode").GetInt32(),
            first.GetProperty("kind").GetString(), first.GetProperty("webhook").GetString()));
        var failedOnly = await (await admin.GetAsync(ApiJson.Relative($"/api/alerts/deliveries?alertId={alertId}&failed=true"))).BodyAsync();
        Assert.Equal([1], failedOnly.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("attempt").GetInt32()));

        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        Assert.Equal(HttpStatusCode.Forbidden, (await engineer.GetAsync(ApiJson.Relative("/api/alerts/deliveries"))).StatusCode);
        using var bad = await admin.GetAsync(ApiJson.Relative("/api/alerts/deliveries?limit=0"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("limit", (await bad.Content.ReadAsStringAsync()).ToLowerInvariant(), StringComparison.Ordinal);
    }

    internal sealed record DeliveryRow(Guid AlertId, string Kind, string Pipeline, string Dataset, string Webhook, int Attempt, int? Status, string? Error, bool Delivered, DateTimeOffset At);

    internal static async Task<List<DeliveryRow>> DeliveriesAsync(NpgsqlDataSource app, Guid ws)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(app, ws, WorkspaceRead.Query(
            "SELECT alert_id, kind, pipeline, dataset, webhook, attempt, status_code, error, delivered, at FROM alert_deliveries ORDER BY webhook, id"), CancellationToken.None);
        var rows = new List<DeliveryRow>();
        while (await read.Reader.ReadAsync())
        {
            var r = read.Reader;
            rows.Add(new DeliveryRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5),
                r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetBoolean(8), r.GetFieldValue<DateTimeOffset>(9)));
        }

        return rows;
    }
}
