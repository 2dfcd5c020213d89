using System.Diagnostics;
using DuckDB.NET.Data;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Core.Telemetry;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// Runs one pipeline spec in its own in-memory DuckDB: extract (<see cref="SourceReader"/>) →
/// transform (<see cref="TransformView"/>) → contract (<see cref="ContractPass"/>) → schema
/// (<see cref="SchemaEvolution"/>) → load (<see cref="LakeWriter"/>). Reading, transforming,
/// checking and writing Parquet happen in one streaming pass that materialises nothing (the
/// contract pass); rejected rows wait in the run's scratch folder for
/// <see cref="RunOutput.ReadRejectsAsync"/>. Nothing here touches the catalog: the caller commits
/// the returned files.
/// </summary>
public sealed class RunEngine
{
    private readonly SourceAccess access;
    private readonly HttpClient http;
    private readonly TimeProvider time;

    /// <summary>An engine whose runs, of any workspace, read under <paramref name="roots"/> (one party's host: the CLI, tests).</summary>
    public RunEngine(SourceRoots roots, HttpClient http, TimeProvider time)
        : this(SourceAccess.Shared(roots), http, time)
    {
    }

    /// <summary>An engine whose runs read what <paramref name="access"/> grants their workspace.</summary>
    public RunEngine(SourceAccess access, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        this.access = access;
        this.http = http;
        this.time = time;
    }

    /// <summary>What each workspace's runs may read (error texts show paths relative to its folders).</summary>
    public SourceAccess Access => access;

    /// <summary>DuckDB worker threads per run.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>DuckDB memory limit of a run whose spec sets none; above it DuckDB spills to the run's scratch folder.</summary>
    public string MemoryLimit { get; init; } = "1GB";

    /// <summary>Secrets and PostgreSQL connections that http and postgres sources name.</summary>
    public SourceSettings Sources { get; init; } = SourceSettings.None;

    public async Task<RunOutput> ExecuteAsync(PipelineSpec spec, RunContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        if (!LakeFolders.IsSingleFolderName(context.Workspace))
        {
            throw new ArgumentException($"Workspace '{context.Workspace}' must be a single folder name.", nameof(context));
        }

        if (!Path.IsPathFullyQualified(context.LakeRoot))
        {
            throw new ArgumentException($"LakeRoot '{context.LakeRoot}' must be an absolute path.", nameof(context));
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"ductus-run-{context.RunId:N}");
        Directory.CreateDirectory(scratch);
        var connection = new DuckDBConnection("Data Source=:memory:");
        var output = new RunOutput(connection, scratch);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (spec.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        var run = new Run(this, new RunScope(spec, context, scratch, new DuckDbSession(connection, timeout.Token), output));
        try
        {
            await connection.OpenAsync(timeout.Token);
            await run.ExecuteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsInterrupt(ex))
        {
            if (ct.IsCancellationRequested)
            {
                await output.DisposeAsync();
                throw new OperationCanceledException("The run was cancelled.", ex, ct);
            }

            if (!timeout.IsCancellationRequested)
            {
                await output.DisposeAsync();
                throw;
            }

            output.Fail(run.Step, $"timed out after {Durations.Format(spec.Timeout ?? TimeSpan.Zero)}");
            run.Lake.DeleteWritten();
        }
        catch (Exception ex) when (ex is DuckDBException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            output.Fail(run.Step, ex.Message);
            run.Lake.DeleteWritten();
        }
        catch
        {
            await output.DisposeAsync();
            throw;
        }

        return output;
    }

    private static bool IsInterrupt(Exception ex) =>
        ex is DuckDBException && ex.Message.Contains("INTERRUPT", StringComparison.OrdinalIgnoreCase);

    /// <summary>The DuckDB settings of a run (also what the pipeline-profile bench runs its variants under).</summary>
    internal static string Settings(int threads, string memoryLimit, string spill) => $"""
        SET threads = {Sql.Number(Math.Max(1, threads))};
        SET memory_limit = {Sql.Literal(memoryLimit)};
        SET temp_directory = {Sql.Literal(spill)};
        SET TimeZone = 'UTC';
        SET enable_progress_bar = false;
        SET preserve_insertion_order = false; -- lets the pass write in parallel without buffering for order
        """;

    /// <summary>The steps of one execution, top to bottom, each timed as a span of the run's trace.</summary>
    private sealed class Run(RunEngine engine, RunScope scope)
    {
        public LakeWriter Lake { get; } = new(scope);

        public string Step { get; private set; } = RunSteps.Validate;

        public async Task ExecuteAsync()
        {
            var (spec, context, output) = (scope.Spec, scope.Context, scope.Output);
            // A replay does not read the spec's source, which may be long gone by the time rejects are fixed.
            // The same checks as when the spec was saved: grants or roots may have changed since.
            var errors = engine.access.Validate(spec, context.Workspace)
                .Where(e => !scope.IsReplay || !e.Path.StartsWith("source.", StringComparison.Ordinal))
                .ToList();
            if (errors.Count > 0)
            {
                output.Fail(RunSteps.Validate, string.Join("; ", errors));
                return;
            }

            await ConfigureAsync();
            var source = new SourceReader(scope, engine.access, engine.http, engine.time, engine.Sources);
            var csvRejects = await TimedAsync(RunSteps.Extract, () => source.ExtractAsync());
            var columns = await TimedAsync(RunSteps.Transform, () => TransformView.CreateAsync(scope));
            if (output.Failed)
            {
                return;
            }

            var passed = await TimedAsync(RunSteps.Contract, () => ContractPass.RunAsync(scope, columns, csvRejects, engine.time));
            if (output.Failed)
            {
                return;
            }

            // Before anything reaches the lake: a refused schema leaves neither a file nor a snapshot.
            // A comparison of two short lists, so not a timed step of its own; it fails as one.
            CheckSchema();
            if (output.Failed)
            {
                return;
            }

            // One load step (one span): writing the files, then the watermark and the merge's rewrites.
            await TimedAsync(RunSteps.Load, async () =>
            {
                await Lake.LoadAsync(passed);
                if (spec.Incremental is { } incremental && !scope.IsReplay)
                {
                    output.Watermark = await new IncrementalCursor(scope.Db).NewWatermarkAsync(incremental, output.Columns, output.Files);
                }

                if (spec.Target.Mode == WriteMode.Merge)
                {
                    await Lake.MergeAsync();
                }
            });
        }

        /// <summary>The run's columns against the dataset's under the spec's <c>schema_evolution</c>.</summary>
        private void CheckSchema()
        {
            var output = scope.Output;
            var schema = SchemaEvolution.Check(scope.Spec.SchemaPolicy, scope.Context.Schema, output.Columns);
            if (schema.Problem is { } problem)
            {
                output.RowsLoaded = 0;
                output.Fail(RunSteps.Schema, problem);
            }
            else
            {
                (output.DatasetColumns, output.SchemaChanges) = (schema.Columns, schema.Changes);
            }
        }

        private async Task TimedAsync(string step, Func<Task> body) =>
            await TimedAsync(step, async () =>
            {
                await body();
                return true;
            });

        private async Task<T> TimedAsync<T>(string step, Func<Task<T>> body)
        {
            Step = step;
            scope.Context.Progress?.Report(new RunProgress(step));
            // A child of the run's span: one trace per run, one span per step.
            using var span = DuctusTelemetry.ActivitySource.StartActivity(step);
            var started = engine.time.GetTimestamp();
            try
            {
                return await body();
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                throw;
            }
            finally
            {
                scope.Output.AddDuration(step, engine.time.GetElapsedTime(started));
                TagStep(span, step, scope.Output);
            }
        }

        /// <summary>
        /// Row counts on a step's span. Extract and transform are lazy views in DuckDB, so rows are
        /// first counted by the contract step; those two spans carry durations only.
        /// </summary>
        private static void TagStep(Activity? span, string step, RunOutput output)
        {
            if (span is null)
            {
                return;
            }

            switch (step)
            {
                case RunSteps.Contract:
                    span.SetTag("ductus.rows.read", output.RowsRead);
                    span.SetTag("ductus.rows.rejected", output.RowsRejected);
                    break;
                case RunSteps.Load:
                    span.SetTag("ductus.rows.loaded", output.RowsLoaded);
                    span.SetTag("ductus.bytes", output.BytesWritten);
                    break;
            }

            if (output.FailedStep == step)
            {
                span.SetStatus(ActivityStatusCode.Error, output.FailureReason);
            }
        }

        private async Task ConfigureAsync()
        {
            await scope.Db.ExecAsync(Settings(engine.Threads, scope.Spec.MemoryLimit ?? engine.MemoryLimit, Path.Combine(scope.Scratch, "spill")));
            Directory.CreateDirectory(scope.DatasetFolder);
        }
    }
}
