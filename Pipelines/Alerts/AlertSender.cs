using System.Net.Http.Headers;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Pipelines.Alerts;

/// <summary>
/// Delivers an alert to every configured webhook: the same body bytes, signed afresh on each
/// attempt (<see cref="WebhookSignature"/>), retried with doubling backoff, and every attempt
/// recorded in <c>alert_deliveries</c> with what the receiver answered. An alert that cannot be
/// delivered, or recorded, is logged and never fails the run or the check that raised it.
/// </summary>
public sealed partial class AlertSender(HttpClient http, IOptions<AlertOptions> options, NpgsqlDataSource db, TimeProvider time, ILogger<AlertSender> logger)
{
    private const string InsertDelivery = """
        INSERT INTO alert_deliveries (workspace_id, alert_id, kind, pipeline, dataset, webhook, attempt, status_code, error, delivered, duration_ms, at)
        VALUES (@ws, @alert, @kind, @pipeline, @dataset, @webhook, @attempt, @status, @error, @delivered, @ms, @at)
        """;

    /// <summary>Receivers answer within seconds; a longer error text is a proxy's HTML page.</summary>
    private const int MaxErrorLength = 500;

    public async Task SendAsync(Guid workspace, Alert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        LogAlert(logger, alert.Kind, alert.Level, alert.Pipeline, alert.Dataset, alert.RunId, alert.Error);
        DuctusTelemetry.Alerts.Add(1, new KeyValuePair<string, object?>("kind", alert.Kind), new KeyValuePair<string, object?>("pipeline", alert.Pipeline));
        var body = JsonSerializer.SerializeToUtf8Bytes(alert, JsonSerializerOptions.Web);
        foreach (var webhook in options.Value.AllWebhooks())
        {
            await DeliverAsync(workspace, alert, webhook, body, ct);
        }
    }

    private async Task<bool> DeliverAsync(Guid workspace, Alert alert, Webhook webhook, byte[] body, CancellationToken ct)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            var at = time.GetUtcNow();
            int? status = null;
            string? error = null;
            try
            {
                using var request = Request(webhook, alert.Id, body, at);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(settings.AttemptTimeout);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                error = response.IsSuccessStatusCode ? null : $"answered {status} {response.ReasonPhrase}".TrimEnd();
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error = $"no answer within {settings.AttemptTimeout.TotalSeconds:0.###} s";
            }

            await RecordAsync(workspace, alert, webhook.Name, attempt, status, error, time.GetElapsedTime(started), at, ct);
            if (error is null)
            {
                return true;
            }

            LogAttemptFailed(logger, alert.Kind, webhook.Name, attempt, error);
            if (attempt >= settings.MaxAttempts)
            {
                LogUndelivered(logger, alert.Kind, alert.Id, webhook.Name, attempt);
                return false;
            }

            await Task.Delay(Backoff(settings.RetryBackoff, attempt), time, ct);
        }
    }

    /// <summary>Doubling per attempt, capped at 10 minutes: a receiver that is down gets time to come back.</summary>
    internal static TimeSpan Backoff(TimeSpan first, int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(first.TotalMilliseconds * Math.Pow(2, attempt - 1), TimeSpan.FromMinutes(10).TotalMilliseconds));

    private static HttpRequestMessage Request(Webhook webhook, Guid alertId, byte[] body, DateTimeOffset at)
    {
        var timestamp = WebhookSignature.Timestamp(at);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = content };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(webhook.Secret, timestamp, body));
        request.Headers.Add(WebhookSignature.AlertIdHeader, alertId.ToString());
        return request;
    }

    private async Task RecordAsync(Guid workspace, Alert alert, string webhook, int attempt, int? status, string? error, TimeSpan took, DateTimeOffset at, CancellationToken ct)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    WorkspaceScope.ActFor(workspace),
                    new NpgsqlBatchCommand(InsertDelivery)
                        .With("ws", workspace)
                        .With("alert", alert.Id)
                        .With("kind", alert.Kind)
                        .With("pipeline", alert.Pipeline)
                        .With("dataset", alert.Dataset)
                        .With("webhook", webhook)
                        .With("attempt", attempt)
                        .With("status", status, NpgsqlDbType.Integer)
                        .With("error", error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error, NpgsqlDbType.Text)
                        .With("delivered", error is null)
                        .With("ms", (int)Math.Min(int.MaxValue, took.TotalMilliseconds))
                        .With("at", at),
                },
            };
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogNotRecorded(logger, alert.Id, attempt, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Kind} ({Level}): pipeline {Pipeline}, dataset {Dataset}, run {RunId}: {Error}")]
    private static partial void LogAlert(ILogger logger, string kind, string level, string pipeline, string dataset, Guid? runId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Kind} to webhook {Webhook} failed (attempt {Attempt}): {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string kind, string webhook, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {Kind} {AlertId} could not be delivered to webhook {Webhook} after {Attempts} attempts")]
    private static partial void LogUndelivered(ILogger logger, string kind, Guid alertId, string webhook, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery attempt {Attempt} of alert {AlertId} not recorded: {Message}")]
    private static partial void LogNotRecorded(ILogger logger, Guid alertId, int attempt, string message);
}
