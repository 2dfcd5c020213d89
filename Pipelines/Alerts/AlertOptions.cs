using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Alerts;

/// <summary>Where alerts go and how freshness is checked (<c>Ductus:Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Ductus:Alerts";

    /// <summary>The webhook named <c>default</c>: receives a signed JSON POST for every alert.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key of <see cref="WebhookUrl"/>; required with it (configuration or the AppHost's secret parameter, never the repository).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>More webhooks by name, each with its own secret; every alert goes to each of them.</summary>
    public Dictionary<string, WebhookOptions> Webhooks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Base URL of the API, for the link to the run or dataset in the alert.</summary>
    public Uri? PublicApiUrl { get; set; }

    /// <summary>Delivery attempts per webhook and alert, the first included.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Wait before the second attempt; it doubles for each attempt after that.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt waits for the receiver's answer.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Check datasets against their freshness SLA at all.</summary>
    public bool FreshnessEnabled { get; set; } = true;

    /// <summary>How often the freshness check runs (on one node of the cluster).</summary>
    public TimeSpan FreshnessInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time the run due at a schedule time may take before the default SLA counts that time as missed.</summary>
    public TimeSpan FreshnessGrace { get; set; } = Freshness.DefaultGrace;

    /// <summary>The name of the webhook set by <see cref="WebhookUrl"/>.</summary>
    public const string DefaultWebhook = "default";

    /// <summary>Every configured webhook: <see cref="WebhookUrl"/> as <c>default</c>, then <see cref="Webhooks"/> by name.</summary>
    public IReadOnlyList<Webhook> AllWebhooks()
    {
        var all = new List<Webhook>();
        if (WebhookUrl is not null)
        {
            all.Add(new Webhook(DefaultWebhook, WebhookUrl, WebhookSecret ?? string.Empty));
        }

        all.AddRange(Webhooks.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Where(w => w.Value.Url is not null)
            .Select(w => new Webhook(w.Key, w.Value.Url!, w.Value.Secret ?? string.Empty)));
        return all;
    }
}

public sealed class WebhookOptions
{
    public Uri? Url { get; set; }

    public string? Secret { get; set; }
}

/// <summary>One receiver of alerts and the key its alerts are signed with.</summary>
public sealed record Webhook(string Name, Uri Url, string Secret);

public sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    /// <summary>Short keys are guessable offline from one signed alert; 32 characters is what the AppHost generates.</summary>
    public const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.WebhookUrl is null && !string.IsNullOrEmpty(options.WebhookSecret))
        {
            errors.Add($"{AlertOptions.Section}:WebhookSecret is set but WebhookUrl is not.");
        }

        if (options.Webhooks.ContainsKey(AlertOptions.DefaultWebhook))
        {
            errors.Add($"{AlertOptions.Section}:Webhooks:{AlertOptions.DefaultWebhook} is reserved for WebhookUrl; use another name.");
        }

        foreach (var (key, hook) in options.Webhooks)
        {
            if (hook.Url is null)
            {
                errors.Add($"{AlertOptions.Section}:Webhooks:{key}:Url is required.");
            }
        }

        foreach (var hook in options.AllWebhooks())
        {
            var setting = hook.Name == AlertOptions.DefaultWebhook ? "WebhookUrl" : $"Webhooks:{hook.Name}:Url";
            var secret = hook.Name == AlertOptions.DefaultWebhook ? "WebhookSecret" : $"Webhooks:{hook.Name}:Secret";
            if (!hook.Url.IsAbsoluteUri || hook.Url.Scheme is not ("http" or "https"))
            {
                errors.Add($"{AlertOptions.Section}:{setting} must be an absolute http or https URL, not '{hook.Url}'.");
            }

            if (hook.Secret.Length < MinSecretLength)
            {
                errors.Add($"{AlertOptions.Section}:{secret} must be at least {MinSecretLength} characters (every alert is signed with it), not {hook.Secret.Length}.");
            }
        }

        if (options.MaxAttempts is < 1 or > 20)
        {
            errors.Add($"{AlertOptions.Section}:MaxAttempts must be between 1 and 20, not {options.MaxAttempts}.");
        }

        if (options.RetryBackoff < TimeSpan.Zero || options.RetryBackoff > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{AlertOptions.Section}:RetryBackoff must be between 0 and 10 minutes, not {options.RetryBackoff}.");
        }

        if (options.AttemptTimeout < TimeSpan.FromMilliseconds(100) || options.AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{AlertOptions.Section}:AttemptTimeout must be between 100 ms and 5 minutes, not {options.AttemptTimeout}.");
        }

        if (options.FreshnessInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{AlertOptions.Section}:FreshnessInterval must be at least 1 s, not {options.FreshnessInterval}.");
        }

        if (options.FreshnessGrace < TimeSpan.Zero)
        {
            errors.Add($"{AlertOptions.Section}:FreshnessGrace must not be negative, not {options.FreshnessGrace}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
