using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Ductus.Pipelines.Ingest;
using Ductus.Pipelines.Runs;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

/// <summary>
/// One Quartz job per pipeline (group = workspace name). Quartz's cluster guarantees one node
/// fires it; <see cref="DisallowConcurrentExecutionAttribute"/> keeps two runs of one pipeline
/// apart; recovery re-fires it elsewhere when its node dies, and the run it was executing is
/// taken over (nothing of it was visible, since only the commit makes data visible).
/// </summary>
[DisallowConcurrentExecution]
public sealed class PipelineJob(
    CatalogStore catalog,
    PipelineRunner runner,
    IngestDrainer ingest,
    RunAlerts alerts,
    IOptions<PipelinesOptions> options,
    TimeProvider time,
    ILogger<PipelineJob> logger) : IJob
{
    public const string RunIdKey = "runId";
    public const string TriggerKindKey = "trigger";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pipelineName = context.JobDetail.Key.Name;
        var workspaceName = context.JobDetail.Key.Group;
        var ws = await catalog.Workspaces.FindAsync(workspaceName, cancellationToken);
        if (ws is not { } workspace)
        {
            logger.LogWarning("Job {Job} names workspace {Workspace}, which no longer exists", context.JobDetail.Key, workspaceName);
            return;
        }

        var record = await catalog.Pipelines.GetAsync(workspace, pipelineName, cancellationToken);
        if (record is null)
        {
            logger.LogWarning("Pipeline {Pipeline} was deleted; its trigger fired anyway", pipelineName);
            return;
        }

        var parsed = SpecParser.ParseJson(record.SpecJson);
        if (!parsed.IsValid)
        {
            logger.LogError("Stored spec of {Pipeline} v{Version} does not parse: {Errors}", pipelineName, record.Version, string.Join("; ", parsed.Errors));
            return;
        }

        var spec = parsed.Spec!;
        var data = context.MergedJobDataMap;
        Guid? runId = data.TryGetString(RunIdKey, out var id) && Guid.TryParse(id, out var parsedId) ? parsedId : null;
        var trigger = data.TryGetString(TriggerKindKey, out var kind) && Enum.TryParse<RunTrigger>(kind, true, out var k) ? k : RunTrigger.Schedule;

        if (context.Recovering && runId is null)
        {
            // The node that fired this died mid-run: take over its run rather than start a second one.
            var running = await catalog.Runs.ListAsync(workspace, new RunFilter(pipelineName, RunStatus.Running), null, 1, cancellationToken);
            runId = running.Items.Count > 0 ? running.Items[0].Id : null;
            logger.LogWarning("Recovering {Pipeline} after a node failure (run {RunId})", pipelineName, runId);
        }

        // An ingest pipeline fires on its schedule and on every push; with nothing buffered there is
        // no run to make, only the buffer slots the last drain could not free yet (the slot it
        // drained was still being written) to recycle.
        if (spec.Source.Kind == SourceKind.Ingest && runId is null && !await ingest.HasBufferedAsync(workspace, spec.Target.Dataset, cancellationToken))
        {
            try
            {
                await ingest.RecycleAsync(ct: cancellationToken);
            }
            catch (Npgsql.NpgsqlException e)
            {
                logger.LogWarning(e, "Recycling ingest buffer slots failed; the next drain or schedule retries");
            }

            return;
        }

        // While a backlog waits, an ingest pipeline drains again at once, in this execution: going
        // back through a trigger costs a job-store round of about a quarter second per drain
        // (measured: 0.26 s between drains of 1.45 s), time in which the backlog only grows.
        var started = time.GetTimestamp();
        while (true)
        {
            var run = await RunWithRetriesAsync(workspace, workspaceName, spec, trigger, runId, cancellationToken);
            runId = null;
            if (spec.Source.Kind != SourceKind.Ingest
                || run.Status != RunStatus.Succeeded
                || time.GetElapsedTime(started) >= options.Value.BackToBackDrainsFor
                || !await ingest.HasBufferedAsync(workspace, spec.Target.Dataset, cancellationToken))
            {
                return;
            }
        }
    }

    /// <summary>One run and, if it fails for a reason a retry may fix, its retries; the last run.</summary>
    private async Task<RunRecord> RunWithRetriesAsync(Guid workspace, string workspaceName, PipelineSpec spec, RunTrigger trigger, Guid? runId, CancellationToken cancellationToken)
    {
        var pipelineName = spec.Name;
        var attempts = 1 + Math.Max(0, spec.Retries?.Max ?? 0);
        for (var attempt = 1; ; attempt++)
        {
            var run = await RunOnceAsync(workspace, workspaceName, spec, trigger, runId, cancellationToken);
            // Only the first attempt reuses a queued/recovered run; a retry is a run of its own.
            runId = null;
            if (run.Status == RunStatus.Succeeded)
            {
                // Only a success needs the history: was the run before it a failure?
                var recent = await catalog.Runs.ListAsync(workspace, new RunFilter(pipelineName), null, 3, cancellationToken);
                var last = recent.Items.FirstOrDefault(r => r.Id != run.Id && r.Status is RunStatus.Succeeded or RunStatus.Failed);
                if (last?.Status == RunStatus.Failed)
                {
                    await alerts.RunRecoveredAsync(workspace, workspaceName, run, cancellationToken);
                }

                return run;
            }

            // Contract and validation failures are about the data or the spec: a retry would fail the same way.
            var retryable = run.Status == RunStatus.Failed && run.ErrorStep is not (Engine.RunSteps.Contract or Engine.RunSteps.Validate);
            if (!retryable || attempt >= attempts)
            {
                if (run.Status == RunStatus.Failed)
                {
                    await alerts.RunFailedAsync(workspace, workspaceName, run, cancellationToken);
                }

                return run;
            }

            var delay = Backoff(spec.Retries!.Backoff, attempt);
            logger.LogWarning("Run {RunId} of {Pipeline} failed ({Error}); retry {Attempt} of {Max} in {Delay}", run.Id, pipelineName, run.Error, attempt, attempts - 1, delay);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Exponential backoff with full jitter on the upper half, so many retrying runs spread out.</summary>
    internal static TimeSpan Backoff(TimeSpan baseDelay, int attempt)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, TimeSpan.FromHours(1).TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + (Random.Shared.NextDouble() * capped / 2));
    }

    private async Task<RunRecord> RunOnceAsync(Guid workspace, string workspaceName, PipelineSpec spec, RunTrigger trigger, Guid? runId, CancellationToken shutdown)
    {
        // The spec's timeout is enforced by the engine, which then fails the run in the step it was in.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var existing = runId;
        Guid? replayOf = null;
        if (existing is null)
        {
            // Runs the Api queued were audited there; the ones created here are the scheduler's own.
            var audit = new AuditEntry(trigger == RunTrigger.Schedule ? AuditActors.Schedule : trigger.ToString().ToLowerInvariant(), AuditActions.RunTriggered, spec.Name);
            var created = await catalog.Runs.CreateAsync(workspace, spec.Name, spec.Target.Dataset, trigger, null, audit, shutdown);
            existing = created.Id;
        }
        else
        {
            var queued = await catalog.Runs.GetAsync(workspace, existing.Value, shutdown)
                ?? throw new JobExecutionException($"Run {existing} does not exist.");
            if (queued.Status is not (RunStatus.Queued or RunStatus.Running))
            {
                // Recovered after its node committed (or the run was cancelled) just before dying:
                // running it again would fail at the commit anyway.
                logger.LogInformation("Run {RunId} of {Pipeline} is already {Status}; not running it again", queued.Id, spec.Name, queued.Status);
                return queued;
            }

            // A replay queued through the API carries the run whose rejects it re-submits.
            replayOf = queued.ReplayOf;
        }

        using var watch = WatchForCancelAsync(workspace, existing.Value, cancel);
        return await runner.RunAsync(new RunRequest(workspace, workspaceName, spec, trigger, replayOf, existing), cancel.Token);
    }

    /// <summary>
    /// Polls the run's status: a cancel through the API (on any node) marks the run cancelled in
    /// PostgreSQL, and the node executing it stops within one interval.
    /// </summary>
    private CancelWatch WatchForCancelAsync(Guid workspace, Guid runId, CancellationTokenSource cancel)
    {
        var watch = new CancelWatch();
        var interval = options.Value.CancelCheckInterval;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval, time);
            try
            {
                while (await timer.WaitForNextTickAsync(watch.Stopping))
                {
                    RunRecord? run;
                    try
                    {
                        run = await catalog.Runs.GetAsync(workspace, runId, watch.Stopping);
                    }
                    catch (Exception e) when (CatalogOutage.IsOutage(e))
                    {
                        // The catalog is restarting: a cancel made meanwhile is seen once it is back.
                        continue;
                    }

                    if (run?.Status == RunStatus.Cancelled)
                    {
                        await cancel.CancelAsync();
                        return;
                    }

                    if (run is null || run.Status is RunStatus.Succeeded or RunStatus.Failed)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        return watch;
    }

    private sealed class CancelWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public CancellationToken Stopping => _stop.Token;

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
