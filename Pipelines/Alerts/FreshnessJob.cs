using Ductus.Core.Catalog;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ductus.Pipelines.Alerts;

/// <summary>
/// Checks every dataset that has a freshness SLA (a <c>freshness</c> block, or a schedule) and
/// raises <c>dataset.stale</c> when it turns late and <c>dataset.fresh</c> when a load makes it
/// fresh again. A clustered Quartz job, so one node checks per interval; the breaches kept in the
/// catalog (<see cref="FreshnessBreaches"/>) make each announcement happen once even so.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class FreshnessJob(
    CatalogStore catalog,
    FreshnessBreaches breaches,
    AlertSender sender,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<FreshnessJob> logger) : IJob
{
    public static readonly JobKey Key = new("freshness", "ductus");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var raised = await CheckAsync(cancellationToken);
        if (raised.Count > 0)
        {
            LogRaised(logger, raised.Count);
        }
    }

    /// <summary>One pass over every workspace; the alerts it raised.</summary>
    public async Task<IReadOnlyList<Alert>> CheckAsync(CancellationToken ct)
    {
        var raised = new List<Alert>();
        foreach (var workspace in await catalog.Workspaces.ListAsync(ct))
        {
            var now = time.GetUtcNow();
            var grace = options.Value.FreshnessGrace;
            // The SLAs are chosen where the dataset read side chooses them (DatasetSlas), and read
            // with the last loads in the transaction that decides.
            var transitions = await breaches.ApplyAsync(workspace.Id, async tx =>
                [.. (await DatasetSlas.ListAsync(tx, ct)).Select(d => new FreshnessCheck(d.Dataset, d.Sla, d.LastLoadedAt, Freshness.Lateness(d.Sla, d.LastLoadedAt, now, grace)))],
                now, ct);

            foreach (var transition in transitions)
            {
                var alert = Alert(workspace.Name, transition, now);
                await sender.SendAsync(workspace.Id, alert, ct);
                raised.Add(alert);
            }
        }

        return raised;
    }

    private Alert Alert(string workspace, FreshnessTransition transition, DateTimeOffset now)
    {
        var check = transition.Check;
        var api = options.Value.PublicApiUrl;
        var link = api is null ? null : new Uri(api, $"/api/datasets/{Uri.EscapeDataString(check.Dataset)}").ToString();
        var fresh = transition.Level == LatenessLevel.None;
        return new Alert(
            Guid.CreateVersion7(),
            fresh ? AlertKinds.DatasetFresh : AlertKinds.DatasetStale,
            FreshnessBreaches.Name(transition.Level),
            workspace,
            check.Sla.Pipeline,
            check.Dataset,
            null,
            fresh ? "fresh" : "stale",
            fresh ? null : Reason(check),
            null,
            link,
            now)
        {
            LastLoadedAt = check.LastLoadedAt,
        };
    }

    /// <summary>Why the dataset is late, in the words of its SLA, for the person the alert wakes.</summary>
    private static string Reason(FreshnessCheck check)
    {
        var sla = check.Sla;
        var loaded = check.LastLoadedAt is { } last ? $"last loaded {last:yyyy-MM-dd HH:mm:ss}Z" : $"never loaded (pipeline created {sla.Since:yyyy-MM-dd HH:mm:ss}Z)";
        var rule = sla.Freshness is { } s
            ? Freshness.Describe(s)
            : $"schedule '{sla.Schedule}': warn after {Freshness.MissedBeforeWarn} missed loads, error after {Freshness.MissedBeforeError}";
        var late = check.Lateness.Level == LatenessLevel.Error ? check.Lateness.ErrorAt : check.Lateness.WarnAt;
        return $"{check.Dataset} is late: {loaded}; {rule}; late since {late:yyyy-MM-dd HH:mm:ss}Z";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Freshness check raised {Count} alerts")]
    private static partial void LogRaised(ILogger logger, int count);
}
