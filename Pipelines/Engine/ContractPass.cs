using System.Globalization;
using Ductus.Core.DataContracts;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>Where the contract pass left the rows that passed: a Parquet file in staging (null when none passed) and its columns as DuckDB describes them.</summary>
internal sealed record PassedRows(string? File, IReadOnlyList<(string Name, string Type)> Columns);

/// <summary>The contract pass's SQL: the loaded columns (cast to the contract's types), the lake's own columns, whether a row kept every rule, and a failing row's reject JSON.</summary>
internal sealed record ContractStatement(string Values, string LakeColumns, string Passed, string Reject)
{
    /// <summary>Whether a row kept every rule; decides the contract pass, never written into a file.</summary>
    public const string PassedColumn = "_ductus_passed";

    /// <summary>The scalar function that takes a failing row's reject JSON out of the contract pass (<see cref="RejectSink"/>).</summary>
    public const string RejectFunction = "ductus_reject_row";

    /// <summary>
    /// Every row with its decision; the decision sits in the inner SELECT, where a unique rule's
    /// window function may be, and the caller's WHERE only reads it.
    /// </summary>
    public string Select =>
        $"SELECT {string.Join(", ", new[] { Values, LakeColumns }.Where(part => part.Length > 0))} FROM (SELECT *, CASE WHEN {Passed} THEN true ELSE {RejectFunction}({Reject}) END AS {PassedColumn} FROM transformed) ";

    /// <summary>The pass itself: the rows that kept every rule to one zstd Parquet file, the others to the reject function.</summary>
    public string CopyTo(string file) => $"COPY ({Select}WHERE {PassedColumn}) TO {Sql.Literal(file)} (FORMAT parquet, COMPRESSION zstd)";
}

/// <summary>
/// The contract step: the contract and the write in one streaming pass, nothing materialised
/// (unless a unique rule needs a window over all rows). Passing rows go straight to Parquet
/// exactly as the lake stores them; a failing row is filtered out by <see cref="ContractStatement.RejectFunction"/>,
/// which DuckDB calls for failing rows only (the ELSE of a CASE) and which appends the row's
/// rules, messages and original values to an NDJSON file in the run's scratch folder
/// (<see cref="RejectSink"/>). One read of the source, one write, and rejects never cost the
/// passing rows anything. Then the contract's policy and row limits decide whether the run may load.
/// </summary>
internal static class ContractPass
{
    /// <param name="csvRejects">True when DuckDB's CSV reader read the source: the lines it refused count as rejects too.</param>
    public static async Task<PassedRows> RunAsync(RunScope run, IReadOnlyList<RelationColumn> columns, bool csvRejects, TimeProvider time)
    {
        var (context, db, output) = (run.Context, run.Db, run.Output);
        var statement = Statement(run.Spec.Contract, columns, context.RunId, time.GetUtcNow());
        var select = statement.Select;
        // Staging is in the run's scratch folder, deleted with it.
        var staging = Path.Combine(run.Scratch, "staging");
        Directory.CreateDirectory(staging);
        var passedFile = Path.Combine(staging, "passed.parquet");
        var rejectsFile = Path.Combine(staging, "rejected.ndjson");
        using var sink = new RejectSink(rejectsFile);
        sink.Register(db.Connection, ContractStatement.RejectFunction);
        var described = await db.DescribeAsync(select);
        output.Columns = [.. described.Select(d =>
        {
            var contract = columns.FirstOrDefault(c => c.Name == d.Name)?.Contract;
            var description = d.Name switch
            {
                "_ductus_run_id" => "Run that loaded the row",
                "_ductus_loaded_at" => "When the row was loaded",
                _ => contract?.Description,
            };
            return new DatasetColumn(d.Name, d.Type, description, contract?.Required ?? d.Name.StartsWith("_ductus_", StringComparison.Ordinal));
        })];

        var good = await db.ExecAsync(statement.CopyTo(passedFile));
        var bad = sink.Count;
        // Flushed before the rejects are read back.
        sink.Dispose();

        if (bad > 0)
        {
            output.ContractRejectsSql = $$"""
                SELECT CAST(to_json(rules) AS VARCHAR), message, CAST("values" AS VARCHAR)
                FROM read_json({{Sql.Literal(rejectsFile)}}, format = 'newline_delimited', columns = {rules: 'VARCHAR[]', message: 'VARCHAR', "values": 'JSON'})
                """;
        }

        var parseRejects = 0L;
        if (csvRejects)
        {
            (parseRejects, output.ParseRejectsSql) = await CsvParseRejects.CountAsync(db);
        }

        output.RowsRead = good + bad + parseRejects;
        output.RowsRejected = bad + parseRejects;
        output.RowsLoaded = good;
        context.Progress?.Report(new RunProgress(RunSteps.Contract, output.RowsRead));
        if (run.Spec.Contract is { } contract && Refusal(contract, output) is { } reason)
        {
            output.RowsLoaded = 0;
            output.Fail(RunSteps.Contract, reason);
        }

        return new PassedRows(good > 0 ? passedFile : null, described);
    }

    /// <summary>
    /// The pass's statement over the view <c>transformed</c>, in the parts the pipeline-profile
    /// bench times one by one (so its variants are this very text, not a copy that could drift).
    /// </summary>
    internal static ContractStatement Statement(ContractSpec? contract, IReadOnlyList<RelationColumn> columns, Guid runId, DateTimeOffset now)
    {
        var rules = ContractSql.Compile(contract, columns);
        var loadedAt = now.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
        // TRY_CAST: a value that does not cast is already a broken type rule, so only rejected rows see its NULL.
        var values = string.Join(", ", columns.Select(c => c.NeedsCast ? $"TRY_CAST({Sql.Ident(c.Name)} AS {c.TargetType}) AS {Sql.Ident(c.Name)}" : Sql.Ident(c.Name)));
        var lake = $"CAST({Sql.Literal(runId.ToString())} AS VARCHAR) AS _ductus_run_id, CAST({Sql.Literal(loadedAt)} AS TIMESTAMPTZ) AS _ductus_loaded_at";
        var reject = $"CAST(to_json({{'rules': {ContractSql.BrokenListExpression(rules)}, 'message': {ContractSql.MessageExpression(rules)}, 'values': json({ContractSql.ValuesJsonExpression(columns)})}}) AS VARCHAR)";
        return new ContractStatement(values, lake, ContractSql.PassedExpression(rules), reject);
    }

    /// <summary>Why the contract's policy or row limits refuse the load; null when they allow it.</summary>
    private static string? Refusal(ContractSpec contract, RunOutput output)
    {
        var (read, rejected, good) = (output.RowsRead, output.RowsRejected, output.RowsLoaded);
        if (contract.Policy == ContractPolicy.Fail && rejected > 0)
        {
            return $"policy fail: {rejected} of {read} rows broke the contract";
        }

        var ratio = read == 0 ? 0 : (double)rejected / read;
        if (contract.MaxRejectRatio is { } max && ratio > max)
        {
            return $"reject ratio {ratio.ToString("0.####", CultureInfo.InvariantCulture)} exceeds max_reject_ratio {max.ToString(CultureInfo.InvariantCulture)}";
        }

        if (contract.MinRows is { } minRows && good < minRows)
        {
            return $"min_rows {minRows} not met: {good} rows passed the contract";
        }

        return contract.MaxRows is { } maxRows && good > maxRows
            ? $"max_rows {maxRows} exceeded: {good} rows passed the contract"
            : null;
    }
}
