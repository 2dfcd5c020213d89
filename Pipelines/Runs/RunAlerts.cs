using Ductus.Core.Catalog;
using Ductus.Pipelines.Alerts;
using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Runs;

/// <summary>
/// Raises run alerts: on a failure that retries did not fix, and on the first success after one
/// (recovery). Delivery (signing, retries, the record of each attempt) is <see cref="AlertSender"/>'s.
/// </summary>
public sealed class RunAlerts(AlertSender sender, IOptions<AlertOptions> options, TimeProvider time)
{
    public Task RunFailedAsync(Guid workspaceId, string workspace, RunRecord run, CancellationToken ct) =>
        sender.SendAsync(workspaceId, Alert(AlertKinds.RunFailed, AlertLevels.Error, workspace, run), ct);

    public Task RunRecoveredAsync(Guid workspaceId, string workspace, RunRecord run, CancellationToken ct) =>
        sender.SendAsync(workspaceId, Alert(AlertKinds.RunRecovered, AlertLevels.Info, workspace, run), ct);

    private Alert Alert(string kind, string level, string workspace, RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var api = options.Value.PublicApiUrl;
        var link = api is null ? null : new Uri(api, $"/api/runs/{run.Id}").ToString();
        return new Alert(Guid.CreateVersion7(), kind, level, workspace, run.Pipeline, run.Dataset, run.Id,
            run.Status.ToString().ToLowerInvariant(), run.Error, run.ErrorStep, link, time.GetUtcNow());
    }
}
