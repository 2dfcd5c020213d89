using System.Text;
using Ductus.Pipelines.Alerts;
using Ductus.Pipelines.Scheduling;

namespace Ductus.Tests.Unit.Alerts;

public sealed class WebhookSettingsTests
{
    private static readonly DateTimeOffset Now = new(2031, 3, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_signature_is_the_hex_hmac_sha256_of_timestamp_dot_body()
    {
        var body = Encoding.UTF8.GetBytes("{\"kind\":\"run.failed\"}");

        // Computed independently: printf '%s' '1930384800.{"kind":"run.failed"}' | openssl dgst -sha256 -hmac 'test-secret-0123456789'
        Assert.Equal("1930384800", WebhookSignature.Timestamp(Now));
        Assert.Equal(
            "sha256=ac106545d5c44bb4c14345623bd50b0a3eccefe7d6059f7442b3e963c18fcf69",
            WebhookSignature.Sign("test-secret-0123456789", "1930384800", body));
    }

    [Fact]
    public void A_receiver_refuses_another_key_another_body_and_a_timestamp_older_than_five_minutes()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var timestamp = WebhookSignature.Timestamp(Now);
        var signature = WebhookSignature.Sign("right-secret-0123456789", timestamp, body);

        Assert.True(WebhookSignature.Verify("right-secret-0123456789", timestamp, signature, body, Now.AddMinutes(4)));
        Assert.False(WebhookSignature.Verify("wrong-secret-0123456789", timestamp, signature, body, Now));
        Assert.False(WebhookSignature.Verify("right-secret-0123456789", timestamp, signature, "[]"u8, Now));
        Assert.False(WebhookSignature.Verify("right-secret-0123456789", timestamp, signature, body, Now.AddMinutes(6)));
        Assert.False(WebhookSignature.Verify("right-secret-0123456789", "not-a-time", signature, body, Now));
        Assert.False(WebhookSignature.Verify("right-secret-0123456789", timestamp, null, body, Now));
    }

    [Fact]
    public void A_webhook_without_a_long_enough_secret_or_with_a_bad_url_is_refused_at_start_by_name()
    {
        var options = new AlertOptions
        {
            WebhookUrl = new Uri("https://hooks.example/ductus"),
            Webhooks = { ["pager"] = new WebhookOptions { Url = new Uri("ftp://pager.example/"), Secret = "short" } },
            MaxAttempts = 0,
        };

        var result = new AlertOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Ductus:Alerts:WebhookSecret must be at least 16 characters (every alert is signed with it), not 0.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Alerts:Webhooks:pager:Url must be an absolute http or https URL, not 'ftp://pager.example/'.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Alerts:Webhooks:pager:Secret must be at least 16 characters", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Alerts:MaxAttempts must be between 1 and 20, not 0.", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new AlertOptionsValidator().Validate(null, new AlertOptions()).Succeeded);
        Assert.True(new AlertOptionsValidator().Validate(null, new AlertOptions { WebhookUrl = new Uri("https://hooks.example/"), WebhookSecret = "0123456789abcdef" }).Succeeded);
    }

    [Fact]
    public void Every_webhook_gets_each_alert_the_default_first()
    {
        var options = new AlertOptions
        {
            WebhookUrl = new Uri("https://hooks.example/a"),
            WebhookSecret = "secret-a-0123456789",
            Webhooks = { ["pager"] = new WebhookOptions { Url = new Uri("https://pager.example/"), Secret = "secret-p-0123456789" } },
        };

        Assert.Equal(["default:https://hooks.example/a", "pager:https://pager.example/"], options.AllWebhooks().Select(w => $"{w.Name}:{w.Url}"));
    }

    [Fact]
    public void Catalog_history_ages_under_an_hour_are_refused_by_name()
    {
        var result = new RetentionOptionsValidator().Validate(null, new RetentionOptions { RunsMaxAge = TimeSpan.FromMinutes(5), AuditMaxAge = TimeSpan.Zero });

        Assert.Contains("Ductus:Retention:RunsMaxAge must be at least 1 hour (or unset to keep the rows), not 00:05:00.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ductus:Retention:AuditMaxAge must be at least 1 hour", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new RetentionOptionsValidator().Validate(null, new RetentionOptions { RunsMaxAge = null, AuditMaxAge = null }).Succeeded);
    }
}
