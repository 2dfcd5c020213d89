using System.Diagnostics;
using System.Text;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Runs;
using Ductus.Core.Specs;
using Ductus.Core.Telemetry;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Ingest;
using Ductus.Pipelines.Lake;
using Npgsql;

namespace Ductus.Pipelines.Runs;

/// <summary>What to run, where, and why.</summary>
/// <param name="WorkspaceName">Names the workspace's lake folder.</param>
/// <param name="ReplayOf">For a replay: the run whose rejected rows are re-submitted.</param>
/// <param name="RunId">An already queued run to execute (API- or schedule-created); null creates one.</param>
public sealed record RunRequest(
    Guid WorkspaceId,
    string WorkspaceName,
    PipelineSpec Spec,
    RunTrigger Trigger,
    Guid? ReplayOf = null,
    Guid? RunId = null);

/// <summary>
/// One pipeline run end to end: run record → engine (extract, transform, contract, load) →
/// rejects into the reject store → one catalog commit (or a recorded failure). Whatever
/// happens, the run ends in a final state with the step and the reason. Watchers learn of its
/// status changes and steps through <paramref name="events"/> when one is given.
/// </summary>
public sealed class PipelineRunner(
    CatalogStore catalog, RejectStore rejects, RunEngine engine, string lakeRoot, ILogger<PipelineRunner> logger, IRunEventSink? events = null)
{
    public const string CommitStep = "commit";

    /// <summary>The step of an ingest run that reads its batches out of the buffer.</summary>
    public const string DrainStep = "drain";

    /// <summary>
    /// Recorded on the run as the node executing it. The process id tells apart replicas that
    /// share a host name (several on one machine); in containers the host name alone differs.
    /// </summary>
    public static string ThisNode { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The ingest buffer that runs of <c>ingest</c> sources drain; without it such runs fail in extract.</summary>
    public IngestDrainer? Ingest { get; init; }

    /// <summary>Most ingest batches one run drains, so a long backlog is loaded in bounded runs.</summary>
    public int MaxIngestBatchesPerRun { get; init; } = 10_000;

    /// <summary>Most records one run drains (whole batches; a single larger batch still goes alone).</summary>
    public long MaxIngestRecordsPerRun { get; init; } = 500_000;

    /// <summary>Where an append that leaves the dataset with many files asks for a compaction; null never compacts.</summary>
    public BackgroundCompaction? Compaction { get; init; }

    /// <summary>
    /// Makes a failure's text fit for the catalog, which clients read (<c>GET /api/runs/{id}</c>,
    /// the run's events, alerts): paths relative to the lake or source root, no addresses. The
    /// full text is logged under the run id. Without one, paths are made relative to this
    /// runner's lake and the engine's source roots.
    /// </summary>
    public ErrorRedactor Redactor
    {
        get => _redactor ??= new ErrorRedactor([lakeRoot, .. engine.Access.AllRoots]);
        init => _redactor = value;
    }

    private ErrorRedactor? _redactor;

    public async Task<RunRecord> RunAsync(RunRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = request.Spec;
        var ws = request.WorkspaceId;
        // Recorded even when already cancelled, so every request leaves a run with a final state.
        var run = request.RunId is { } existing
            ? await catalog.Runs.GetAsync(ws, existing, CancellationToken.None) ?? throw new RunStateException($"Run {existing} does not exist.")
            : await catalog.Runs.CreateAsync(ws, spec.Name, spec.Target.Dataset, request.Trigger, request.ReplayOf,
                new AuditEntry(AuditActors.CommandLine, AuditActions.RunTriggered, spec.Name), CancellationToken.None);
        run = await catalog.Runs.MarkRunningAsync(ws, run.Id, ThisNode, CancellationToken.None);
        events?.Publish(RunEvent.ForStatus(run.Id, run.Status, ws, run.Pipeline));

        using var activity = DuctusTelemetry.ActivitySource.StartActivity("pipeline.run");
        activity?.SetTag("ductus.pipeline", spec.Name);
        activity?.SetTag("ductus.dataset", spec.Target.Dataset);
        activity?.SetTag("ductus.run_id", run.Id.ToString());
        var tags = new TagList { { "pipeline", spec.Name }, { "dataset", spec.Target.Dataset } };
        var clock = Stopwatch.StartNew();
        var progress = new StepTracker(run, ws, events);
        string? replayFile = null;
        string? ingestFile = null;
        IngestDrain? drain = null;
        TimeSpan? drainTime = null;

        try
        {
            if (request.ReplayOf is { } original)
            {
                replayFile = await WriteReplaySourceAsync(ws, original, ct);
            }

            if (spec.Source.Kind == SourceKind.Ingest && request.ReplayOf is null && Ingest is not null)
            {
                ingestFile = Path.Combine(Path.GetTempPath(), $"ductus-ingest-{run.Id:N}-{Guid.NewGuid():N}.ndjson");
                var draining = Stopwatch.StartNew();
                drain = await Ingest.DrainAsync(ws, spec.Target.Dataset, ingestFile, MaxIngestBatchesPerRun, MaxIngestRecordsPerRun, ct);
                drainTime = draining.Elapsed;
                activity?.SetTag("ductus.ingest.batches", drain.BatchIds.Count);
            }

            var context = await IncrementalAndMerge.ContextAsync(catalog, ws, spec, new RunContext(run.Id, request.WorkspaceName, lakeRoot, replayFile, progress, ingestFile), ct);
            if (spec.Source.Kind == SourceKind.Model && request.ReplayOf is null)
            {
                context = context with { Model = await ModelRuns.PinInputsAsync(catalog, ws, lakeRoot, spec, run.Id, ct) };
            }

            var mode = CommitMode(spec, request, context.Model);
            context = context with { Schema = await IncrementalAndMerge.SchemaAsync(catalog, ws, spec.Target.Dataset, mode, ct) };
            await using var output = await engine.ExecuteAsync(spec, context, ct);
            progress.End(output.Failed);
            // Reading the ingest buffer happens before the engine starts; it is the run's time too.
            var durations = drainTime is { } drained
                ? new Dictionary<string, TimeSpan>(output.StepDurations) { [DrainStep] = drained }
                : output.StepDurations;
            var stats = new RunStats(output.RowsRead, output.RowsLoaded, output.RowsRejected, output.BytesWritten, durations);
            DuctusTelemetry.RowsRead.Add(output.RowsRead, tags);
            DuctusTelemetry.RowsRejected.Add(output.RowsRejected, tags);
            DuctusTelemetry.RejectRatio.Record(output.RowsRead == 0 ? 0 : (double)output.RowsRejected / output.RowsRead, tags);
            activity?.SetTag("ductus.rows.read", output.RowsRead);
            activity?.SetTag("ductus.rows.rejected", output.RowsRejected);

            if (output.RowsRejected > 0)
            {
                // Stored even when the run fails: the rejects are how the author finds out why.
                await rejects.AppendAsync(ws, run.Id, spec.Name, spec.Target.Dataset, output.ReadRejectsAsync(ct), ct);
            }

            if (output.Failed)
            {
                await WaitForCatalogAsync(run.Id, token => catalog.Runs.FailAsync(ws, run.Id, output.FailedStep!, Redactor.Redact(output.FailureReason ?? "failed"), stats, token), CancellationToken.None);
                DuctusTelemetry.RunsFailed.Add(1, tags);
                activity?.SetStatus(ActivityStatusCode.Error, output.FailureReason);
                logger.LogWarning("Run {RunId} of {Pipeline} failed in {Step}: {Reason}", run.Id, spec.Name, output.FailedStep, output.FailureReason);
            }
            else
            {
                progress.Report(new RunProgress(CommitStep));
                CommitResult commit;
                using (var commitSpan = DuctusTelemetry.ActivitySource.StartActivity(CommitStep))
                {
                    commitSpan?.SetTag("ductus.rows.loaded", output.RowsLoaded);
                    commitSpan?.SetTag("ductus.files", output.Files.Count);
                    // Retried whole after an outage: a try cut off either committed (the next finds the
                    // run succeeded and fails in commit, which then records nothing) or left nothing.
                    commit = await WaitForCatalogAsync(run.Id, attemptCt => catalog.Committer.CommitAsync(ws, new CommitRequest(
                        run.Id, spec.Target.Dataset, spec.Description, output.DatasetColumns, mode, output.Files, stats)
                    {
                        SchemaChanges = output.SchemaChanges,
                        ColumnsOnTopOf = SchemaEvolution.OnTopOf(spec.SchemaPolicy, mode == WriteMode.Replace, output.Columns),
                        ExpectedSchedule = spec.Schedule,
                        Watermark = output.Watermark,
                        RemovedFiles = output.RemovedFiles,
                    },
                    // The drained records leave the buffer in the snapshot's own transaction: never both, never neither.
                    drain is null ? null : (connection, transaction, token) => Ingest!.ConsumeAsync(drain, run.Id, connection, transaction, token),
                    attemptCt), ct);
                    commitSpan?.SetTag("ductus.snapshot_version", commit.Version);
                }

                DuctusTelemetry.RowsLoaded.Add(output.RowsLoaded, tags);
                activity?.SetTag("ductus.rows.loaded", output.RowsLoaded);
                activity?.SetTag("ductus.snapshot_version", commit.Version);
                progress.End(failed: false);
                logger.LogInformation(
                    "Run {RunId} of {Pipeline} committed {Dataset} v{Version}: {Loaded} rows loaded, {Rejected} rejected",
                    run.Id, spec.Name, spec.Target.Dataset, commit.Version, output.RowsLoaded, output.RowsRejected);
                if (drain is not null)
                {
                    await RecycleIngestSlotsAsync(ct);
                }

                // Off the run's path: the rows are visible now, whatever the rewrite costs.
                if (mode == WriteMode.Append && Compaction is not null && commit.FileCount >= Compaction.FilesPerTier)
                {
                    Compaction.Request(ws, request.WorkspaceName, spec.Target.Dataset);
                }

                await QueueDownstreamAsync(ws, spec.Target.Dataset);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await catalog.Runs.CancelAsync(ws, run.Id, ct: CancellationToken.None);
            logger.LogInformation("Run {RunId} of {Pipeline} was cancelled in {Step}", run.Id, spec.Name, progress.Step);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var step = e switch
            {
                CommitConflictException or RunStateException => CommitStep,
                SchemaRefusedException => RunSteps.Schema,
                _ => progress.Step,
            };
            progress.End(failed: true);
            var reason = CatalogOutage.IsOutage(e) ? $"The catalog database was unavailable: {e.Message}" : e.Message;
            await WaitForCatalogAsync(run.Id, token => catalog.Runs.FailAsync(ws, run.Id, step, Redactor.Redact(reason), RunStats.Empty, token), CancellationToken.None);
            DuctusTelemetry.RunsFailed.Add(1, tags);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            logger.LogError(e, "Run {RunId} of {Pipeline} failed in {Step}", run.Id, spec.Name, step);
        }
        finally
        {
            DuctusTelemetry.RunDuration.Record(clock.Elapsed.TotalSeconds, tags);
            if (replayFile is not null)
            {
                File.Delete(replayFile);
            }

            if (ingestFile is not null)
            {
                File.Delete(ingestFile);
            }
        }

        var final = await WaitForCatalogAsync(run.Id, token => catalog.Runs.GetAsync(ws, run.Id, token), CancellationToken.None)
            ?? throw new InvalidOperationException($"Run {run.Id} vanished from the catalog.");
        events?.Publish(RunEvent.ForStatus(run.Id, final.Status, ws, run.Pipeline));
        tags.Add("status", StatusTag(final.Status));
        DuctusTelemetry.RunsEnded.Add(1, tags);
        return final;
    }

    /// <summary>
    /// What ends a run (its commit, its failure, its final row) waits while the catalog database
    /// is away, however long: a run given up here would stay <c>running</c> with nothing
    /// executing it. A node that stops meanwhile leaves the run to Quartz's recovery.
    /// </summary>
    private Task<T> WaitForCatalogAsync<T>(Guid runId, Func<CancellationToken, Task<T>> action, CancellationToken ct) =>
        CatalogOutage.WaitOutAsync(action, catalog.Time, e => logger.LogWarning("Run {RunId} waits for the catalog database: {Error}", runId, e.Message), ct);

    /// <summary>The metric tag of a final status, lower case as the Api spells it.</summary>
    private static string StatusTag(RunStatus status) => status switch
    {
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Queued => "queued",
        _ => "running",
    };

    /// <summary>
    /// How the run's files join the dataset. A replay re-submits only the rows a run rejected, so it
    /// adds them to what is loaded: replacing the dataset with them would drop every row the
    /// original run committed (merge keeps its keys). An incremental model appends what its new
    /// input rows made, or replaces the dataset when it rebuilt in full.
    /// </summary>
    private static WriteMode CommitMode(PipelineSpec spec, RunRequest request, ModelSource? model) => spec.Target.Mode switch
    {
        WriteMode.Replace or WriteMode.Incremental when request.ReplayOf is not null => WriteMode.Append,
        WriteMode.Incremental => model?.Incremental == true ? WriteMode.Append : WriteMode.Replace,
        var mode => mode,
    };

    /// <summary>
    /// Queues the <c>on: commit</c> models that read the dataset just committed; the dispatcher
    /// finds them at its next poll. Only a commit gets here: a failed run, one over its reject
    /// ratio included, starts nothing downstream. The commit stands whatever happens here.
    /// </summary>
    private async Task QueueDownstreamAsync(Guid ws, string dataset)
    {
        try
        {
            foreach (var queued in await catalog.Models.QueueDownstreamAsync(ws, dataset, CancellationToken.None))
            {
                logger.LogInformation("Run {RunId} of model {Pipeline} queued: {Dataset} committed", queued.Id, queued.Pipeline, dataset);
                events?.Publish(RunEvent.ForStatus(queued.Id, queued.Status, ws, queued.Pipeline));
            }
        }
        catch (NpgsqlException e)
        {
            logger.LogError(e, "Queueing the models downstream of {Dataset} failed; they run at their next trigger", dataset);
        }
    }

    /// <summary>The rejected rows' original values as NDJSON: the engine's replay source.</summary>
    private async Task<string> WriteReplaySourceAsync(Guid ws, Guid originalRun, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ductus-replay-{originalRun:N}-{Guid.NewGuid():N}.ndjson");
        var count = 0;
        await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
        {
            await foreach (var reject in rejects.ReadAllAsync(ws, originalRun, ct))
            {
                // Lines the parser could not read have no values to replay; they need a fixed source.
                if (reject.ValuesJson is not null)
                {
                    await writer.WriteLineAsync(reject.ValuesJson);
                    count++;
                }
            }
        }

        if (count == 0)
        {
            File.Delete(path);
            throw new InvalidOperationException($"Run {originalRun} has no rejected rows with values to replay.");
        }

        return path;
    }

    /// <summary>
    /// Records the step the engine is in, synchronously (Progress&lt;T&gt; would post it later), and
    /// tells watchers: a new step finishes the one before it, with its time and the rows it counted.
    /// </summary>
    private sealed class StepTracker(RunRecord run, Guid workspaceId, IRunEventSink? events) : IProgress<RunProgress>
    {
        private readonly Stopwatch _clock = new();
        private string? _current;
        private long? _rows;

        public string Step => _current ?? RunSteps.Extract;

        public void Report(RunProgress value)
        {
            if (value.Step != _current)
            {
                Finish("finished");
                _current = value.Step;
                _rows = null;
                _clock.Restart();
                events?.Publish(new RunEvent(run.Id, RunEventTypes.Step, value.Step, "started", WorkspaceId: workspaceId, Pipeline: run.Pipeline));
            }

            _rows = value.Rows ?? _rows;
        }

        /// <summary>Ends the current step; a later call (or a step never started) tells nothing.</summary>
        public void End(bool failed) => Finish(failed ? "failed" : "finished");

        private void Finish(string state)
        {
            if (_current is not null && _clock.IsRunning)
            {
                _clock.Stop();
                events?.Publish(new RunEvent(run.Id, RunEventTypes.Step, _current, state, _rows, _clock.ElapsedMilliseconds, WorkspaceId: workspaceId, Pipeline: run.Pipeline));
            }
        }
    }

    /// <summary>
    /// Frees the buffer slots this drain finished (TRUNCATE, not a delete per record). The run has
    /// committed, so a failure here only leaves the space for the next drain's call to free.
    /// </summary>
    private async Task RecycleIngestSlotsAsync(CancellationToken ct)
    {
        try
        {
            await Ingest!.RecycleAsync(ct: ct);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning(e, "Recycling ingest buffer slots failed; the next drain retries");
        }
    }
}
