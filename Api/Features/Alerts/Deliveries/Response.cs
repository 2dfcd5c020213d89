namespace Ductus.Api.Features.Alerts.Deliveries;

/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record Response(IReadOnlyList<Delivery> Items, long? NextBefore);

/// <summary>One attempt to deliver one alert to one webhook.</summary>
/// <param name="AlertId">The alert, the same on every attempt (<c>X-Ductus-Alert-Id</c>).</param>
/// <param name="Kind"><c>run.failed</c>, <c>run.recovered</c>, <c>dataset.stale</c> or <c>dataset.fresh</c>.</param>
/// <param name="Webhook">The webhook's name: <c>default</c> for <c>Ductus:Alerts:WebhookUrl</c>, else its key under <c>Ductus:Alerts:Webhooks</c>.</param>
/// <param name="Attempt">1 for the first attempt, counting up through the retries.</param>
/// <param name="StatusCode">What the receiver answered; null when it did not answer.</param>
/// <param name="Error">Why the attempt failed (the status, a refused connection, a timeout); null when delivered.</param>
/// <param name="DurationMs">How long the attempt took, in milliseconds.</param>
/// <param name="At">When the attempt was sent.</param>
public sealed record Delivery(
    long Id,
    Guid AlertId,
    string Kind,
    string Pipeline,
    string Dataset,
    string Webhook,
    int Attempt,
    int? StatusCode,
    string? Error,
    bool Delivered,
    int DurationMs,
    DateTimeOffset At);
