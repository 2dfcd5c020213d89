using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Ductus.Core.DataContracts;
using Ductus.Core.DuckDb;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Bench;

/// <summary>
/// Where the contract pass spends its time over raw DuckDB's copy: the same CSV written to zstd
/// Parquet by a ladder of statements, each adding one part of the engine's pass, in one process
/// after a warm-up, each timed as the median of 3 (interleaved, so a busy moment on a shared
/// machine hits all alike). Every part is the engine's own text (<see cref="ContractPass.Statement"/>,
/// <see cref="RunEngine.Settings"/>, <see cref="FileReader"/>, <see cref="TransformView"/>), so the
/// profile cannot drift from what a run executes. Prints one line per step with its delta to the one before.
/// </summary>
internal static class PipelineProfile
{
    private const int Rounds = 3;

    public static async Task<int> RunAsync(string csv, string outDir)
    {
        csv = Path.GetFullPath(csv);
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        var spec = DuctusPipeline.Spec(csv);
        using var http = new HttpClient();
        // The engine's defaults (threads, memory limit), not copies of them.
        var engine = new RunEngine(new SourceRoots(Path.GetDirectoryName(csv)!), http, TimeProvider.System);
        var parquet = Path.Combine(outDir, "profile.parquet");
        string Copy(string select) => $"COPY ({select}) TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)";

        // The ladder, each step one more part of the engine's pass than the one before; then
        // splits of a step, each against the step it splits (After).
        (string Name, string? After, Func<Session?, Task<long>> Run)[] steps =
        [
            ("raw copy (DuckDB defaults)", null, _ => ExecAsync(null, RawDuckDb.Statement(csv, parquet))),
            ("raw copy (run settings)", null, s => ExecAsync(s, RawDuckDb.Statement(csv, parquet))),
            ("+ engine's read_csv and transform", null, s => ExecAsync(s, Copy("SELECT * FROM transformed"))),
            ("+ TRY_CASTs", null, s => ExecAsync(s, Copy($"SELECT {s!.Statement.Values} FROM transformed"))),
            ("+ lake columns", null, s => ExecAsync(s, Copy($"SELECT {s!.Statement.Values}, {s.Statement.LakeColumns} FROM transformed"))),
            ("+ rules as WHERE", null, s => ExecAsync(s, Copy($"SELECT {s!.Statement.Values}, {s.Statement.LakeColumns} FROM transformed WHERE {s.Statement.Passed}"))),
            ("engine's pass (CASE + reject function)", null, s => EngineAsync(s!)),
            ("split: _ductus_run_id only", "+ TRY_CASTs", s => ExecAsync(s, Copy($"SELECT {s!.Statement.Values}, {s.Statement.LakeColumns.Split(", ")[0]} FROM transformed"))),
            ("split: _ductus_loaded_at only", "+ TRY_CASTs", s => ExecAsync(s, Copy($"SELECT {s!.Statement.Values}, {s.Statement.LakeColumns.Split(", ")[1]} FROM transformed"))),
            ("split: pass with a constant reject", "+ rules as WHERE", s => ConstantRejectAsync(s!, parquet)),
        ];

        // Warm-up, not counted: the page cache, the JIT of the reject function's path.
        Console.Error.WriteLine("warm-up: the engine's pass once");
        await using (var warm = await Session.OpenAsync(spec, engine, csv, outDir))
        {
            Console.Error.WriteLine($"the engine's statement:\n{warm.Statement.CopyTo("<staging>/passed.parquet")}");
            await EngineAsync(warm);
        }

        var seconds = steps.Select(_ => new List<double>()).ToArray();
        var rows = new long[steps.Length];
        for (var round = 1; round <= Rounds; round++)
        {
            for (var i = 0; i < steps.Length; i++)
            {
                File.Delete(parquet);
                await using var session = i == 0 ? null : await Session.OpenAsync(spec, engine, csv, outDir);
                var clock = Stopwatch.StartNew();
                rows[i] = await steps[i].Run(session);
                seconds[i].Add(clock.Elapsed.TotalSeconds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {steps[i].Name} {clock.Elapsed.TotalSeconds:0.000}s, {rows[i]:N0} rows written"));
            }
        }

        File.Delete(parquet);
        var medians = seconds.Select(runs => runs.Order().ElementAt(Rounds / 2)).ToArray();
        for (var i = 0; i < steps.Length; i++)
        {
            var against = steps[i].After is { } after ? Array.FindIndex(steps, step => step.Name == after) : i - 1;
            var delta = against < 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{medians[i] - medians[against]:+0.00;-0.00;+0.00} s");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline-profile: {steps[i].Name,-40} {medians[i],6:0.00} s  {delta,-8}  ({rows[i]:N0} rows written; runs {string.Join(", ", seconds[i].Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))})"));
        }

        return 0;
    }

    private static async Task<long> ExecAsync(Session? session, string sql)
    {
        if (session is not null)
        {
            return await session.Db.ExecAsync(sql);
        }

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The engine's statement with the reject function called on a constant instead of the
    /// row's reject JSON: what building the rules, messages and values costs, although only
    /// failing rows build them.
    /// </summary>
    private static async Task<long> ConstantRejectAsync(Session session, string parquet)
    {
        using var sink = new RejectSink(Path.Combine(session.Scope.Scratch, "constant-rejects.ndjson"));
        sink.Register(session.Db.Connection, ContractStatement.RejectFunction);
        return await session.Db.ExecAsync((session.Statement with { Reject = "'{}'" }).CopyTo(parquet));
    }

    /// <summary>The engine's contract step itself (its statement, the reject sink, the DESCRIBE and the parse-reject count).</summary>
    private static async Task<long> EngineAsync(Session session)
    {
        await ContractPass.RunAsync(session.Scope, session.Columns, csvRejects: true, TimeProvider.System);
        return session.Scope.Output.RowsLoaded;
    }

    /// <summary>One run's DuckDB as the engine sets it up up to the contract step: settings, lock-down, the source and transform views.</summary>
    private sealed class Session(RunScope scope, IReadOnlyList<RelationColumn> columns) : IAsyncDisposable
    {
        public RunScope Scope => scope;

        public DuckDbSession Db => scope.Db;

        public IReadOnlyList<RelationColumn> Columns => columns;

        public ContractStatement Statement { get; } = ContractPass.Statement(scope.Spec.Contract, columns, scope.Context.RunId, TimeProvider.System.GetUtcNow());

        public static async Task<Session> OpenAsync(PipelineSpec spec, RunEngine engine, string csv, string outDir)
        {
            var context = new RunContext(Guid.NewGuid(), "bench", outDir);
            var scratch = Path.Combine(outDir, $"scratch-{context.RunId:N}");
            Directory.CreateDirectory(scratch);
            var connection = new DuckDBConnection("Data Source=:memory:");
            var scope = new RunScope(spec, context, scratch, new DuckDbSession(connection, CancellationToken.None), new RunOutput(connection, scratch));
            await connection.OpenAsync();
            await scope.Db.ExecAsync(RunEngine.Settings(engine.Threads, spec.MemoryLimit ?? engine.MemoryLimit, Path.Combine(scratch, "spill")));
            await DuckDbLockdown.Allowing([scratch, outDir], [csv]).ApplyAsync(connection, CancellationToken.None);
            await new IncrementalCursor(scope.Db).CreateSourceAsync(FileReader.For(spec.Source, [csv]), null, null);
            var columns = await TransformView.CreateAsync(scope);
            if (scope.Output.Failed)
            {
                throw new InvalidOperationException($"{scope.Output.FailedStep}: {scope.Output.FailureReason}");
            }

            return new Session(scope, columns);
        }

        public ValueTask DisposeAsync() => scope.Output.DisposeAsync();
    }
}
