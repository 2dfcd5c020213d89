using System.Net;
using Ductus.Pipelines.Alerts;
using Ductus.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ductus.Tests.Integration.Alerts;

/// <summary>One request a webhook receiver got: its signature headers and the exact body bytes.</summary>
public sealed record ReceivedAlert(string? Timestamp, string? Signature, string? AlertId, byte[] Body)
{
    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A webhook receiver on a <see cref="TestHttpServer"/>: keeps every request and answers each with
/// the next status of a script (200 once the script is used up).
/// </summary>
public sealed class AlertReceiver : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret-0123456789abcdef";

    private readonly Queue<int> _script;
    private readonly TestHttpServer _server;

    public AlertReceiver(params int[] statuses)
    {
        _script = new Queue<int>(statuses);
        _server = new TestHttpServer(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            int status;
            lock (Received)
            {
                Received.Add(new ReceivedAlert(
                    context.Request.Headers[WebhookSignature.TimestampHeader],
                    context.Request.Headers[WebhookSignature.SignatureHeader],
                    context.Request.Headers[WebhookSignature.AlertIdHeader],
                    body.ToArray()));
                status = _script.Count > 0 ? _script.Dequeue() : (int)HttpStatusCode.OK;
            }

            await TestHttpServer.WriteAsync(context, "{}", status);
        });
    }

    public Uri Url => new(_server.BaseUri, "hooks/ductus");

    public List<ReceivedAlert> Received { get; } = [];

    public ReceivedAlert[] Snapshot()
    {
        lock (Received)
        {
            return [.. Received];
        }
    }

    /// <summary>Options that send every alert here, signed with <see cref="Secret"/>, with retries fast enough for a test.</summary>
    public AlertOptions Options(int maxAttempts = 4) => new()
    {
        WebhookUrl = Url,
        WebhookSecret = Secret,
        PublicApiUrl = new Uri("https://ductus.example/"),
        MaxAttempts = maxAttempts,
        RetryBackoff = TimeSpan.FromMilliseconds(50),
    };

    public static AlertSender Sender(HttpClient http, AlertOptions options, NpgsqlDataSource db, TimeProvider? time = null) =>
        new(http, Microsoft.Extensions.Options.Options.Create(options), db, time ?? TimeProvider.System, NullLogger<AlertSender>.Instance);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
