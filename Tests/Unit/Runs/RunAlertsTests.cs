using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ductus.Tests.Unit.Runs;

public sealed class RunAlertsTests
{
    private static RunRecord FailedRun() => new(
        Guid.NewGuid(), "orders", "orders", RunStatus.Failed, RunTrigger.Schedule, null, 3, 1,
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, new Dictionary<string, TimeSpan>(),
        10, 0, 0, 0, null, "GET https://api.example.com answered 503", "extract", "node-1");

    [Fact]
    public async Task A_failure_posts_pipeline_run_error_and_link_and_retries_a_webhook_that_is_down()
    {
        var bodies = new List<string>();
        var calls = 0;
        await using var hook = new TestHttpServer(async c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await TestHttpServer.WriteAsync(c, "busy", 503);
                return;
            }

            using var reader = new StreamReader(c.Request.InputStream);
            bodies.Add(await reader.ReadToEndAsync());
            await TestHttpServer.WriteAsync(c, "{}");
        });
        using var http = new HttpClient();
        var alerts = new RunAlerts(http, new AlertOptions { WebhookUrl = hook.BaseUri, PublicApiUrl = new Uri("http://localhost:5180") }, TimeProvider.System, NullLogger<RunAlerts>.Instance);
        var run = FailedRun();

        await alerts.RunFailedAsync(run, CancellationToken.None);

        Assert.Equal(2, calls);
        using var json = JsonDocument.Parse(Assert.Single(bodies));
        Assert.Equal("run.failed", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal("orders", json.RootElement.GetProperty("pipeline").GetString());
        Assert.Equal(run.Id, json.RootElement.GetProperty("runId").GetGuid());
        Assert.Equal("failed", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("GET https://api.example.com answered 503", json.RootElement.GetProperty("error").GetString());
        Assert.Equal("extract", json.RootElement.GetProperty("errorStep").GetString());
        Assert.Equal($"http://localhost:5180/api/runs/{run.Id}", json.RootElement.GetProperty("link").GetString());
    }

    [Fact]
    public async Task An_undeliverable_alert_gives_up_without_failing()
    {
        var calls = 0;
        await using var hook = new TestHttpServer(c =>
        {
            Interlocked.Increment(ref calls);
            return TestHttpServer.WriteAsync(c, "down", 500);
        });
        using var http = new HttpClient();
        var alerts = new RunAlerts(http, new AlertOptions { WebhookUrl = hook.BaseUri, MaxAttempts = 3 }, TimeProvider.System, NullLogger<RunAlerts>.Instance);

        await alerts.RunRecoveredAsync(FailedRun() with { Status = RunStatus.Succeeded }, CancellationToken.None);
        Assert.Equal(3, calls);
    }
}
