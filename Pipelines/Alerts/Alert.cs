namespace Ductus.Pipelines.Alerts;

/// <summary>
/// The webhook body, one shape for every kind so receivers route on <see cref="Kind"/> and
/// <see cref="Level"/> alone. Field names are stable; fields that do not apply are null.
/// </summary>
/// <param name="Id">The same on every delivery attempt (also <c>X-Ductus-Alert-Id</c>).</param>
/// <param name="Kind"><c>run.failed</c>, <c>run.recovered</c>, <c>dataset.stale</c> or <c>dataset.fresh</c>.</param>
/// <param name="Level"><c>error</c>, <c>warn</c> or <c>info</c> (recoveries).</param>
/// <param name="RunId">The run, for run alerts; null for freshness alerts.</param>
/// <param name="Status">The run's status, or <c>stale</c> / <c>fresh</c> for the dataset.</param>
/// <param name="Error">What went wrong, in words.</param>
/// <param name="Link">The run or dataset in the API, when <c>PublicApiUrl</c> is set.</param>
public sealed record Alert(
    Guid Id,
    string Kind,
    string Level,
    string Workspace,
    string Pipeline,
    string Dataset,
    Guid? RunId,
    string Status,
    string? Error,
    string? ErrorStep,
    string? Link,
    DateTimeOffset At)
{
    /// <summary>Freshness alerts: the dataset's last successful load; null when it was never loaded.</summary>
    public DateTimeOffset? LastLoadedAt { get; init; }

}

public static class AlertKinds
{
    public const string RunFailed = "run.failed";
    public const string RunRecovered = "run.recovered";
    public const string DatasetStale = "dataset.stale";
    public const string DatasetFresh = "dataset.fresh";
}

public static class AlertLevels
{
    public const string Info = "info";
    public const string Warn = "warn";
    public const string Error = "error";
}
