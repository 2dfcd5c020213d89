using Ductus.Core.Catalog;
using Ductus.Core.Telemetry;

namespace Ductus.Pipelines.Runs;

/// <summary>Where run alerts go (<c>Ductus:Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Ductus:Alerts";

    /// <summary>Receives a JSON POST when a run fails after its retries, and when a pipeline recovers.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Base URL of the API, for the link to the run in the alert.</summary>
    public Uri? PublicApiUrl { get; set; }

    public int MaxAttempts { get; set; } = 4;
}

/// <summary>The webhook body: stable field names, so receivers can route on them.</summary>
public sealed record RunAlert(string Kind, string Pipeline, string Dataset, Guid RunId, string Status, string? Error, string? ErrorStep, string? Link, DateTimeOffset At);

/// <summary>
/// Sends run alerts: on a failure that retries did not fix, and on the first success after one
/// (recovery). A webhook that is down is retried with backoff; an alert that still cannot be
/// delivered is logged, never allowed to fail the run.
/// </summary>
public sealed class RunAlerts(HttpClient http, AlertOptions options, TimeProvider time, ILogger<RunAlerts> logger)
{
    public const string Failed = "run.failed";
    public const string Recovered = "run.recovered";

    public Task RunFailedAsync(RunRecord run, CancellationToken ct) => SendAsync(Failed, run, ct);

    public Task RunRecoveredAsync(RunRecord run, CancellationToken ct) => SendAsync(Recovered, run, ct);

    private async Task SendAsync(string kind, RunRecord run, CancellationToken ct)
    {
        logger.LogWarning("Alert {Kind}: pipeline {Pipeline} run {RunId} {Status}: {Error}", kind, run.Pipeline, run.Id, run.Status, run.Error);
        DuctusTelemetry.Alerts.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("pipeline", run.Pipeline));
        if (options.WebhookUrl is null)
        {
            return;
        }

        var link = options.PublicApiUrl is null ? null : new Uri(options.PublicApiUrl, $"/api/runs/{run.Id}").ToString();
        var alert = new RunAlert(kind, run.Pipeline, run.Dataset, run.Id, run.Status.ToString().ToLowerInvariant(), run.Error, run.ErrorStep, link, time.GetUtcNow());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync(options.WebhookUrl, alert, ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                logger.LogWarning("Alert webhook answered {Status} (attempt {Attempt})", (int)response.StatusCode, attempt);
            }
            catch (HttpRequestException e)
            {
                logger.LogWarning("Alert webhook unreachable (attempt {Attempt}): {Message}", attempt, e.Message);
            }

            if (attempt >= options.MaxAttempts)
            {
                logger.LogError("Alert {Kind} for run {RunId} could not be delivered after {Attempts} attempts", kind, run.Id, attempt);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1)), time, ct);
        }
    }
}
