using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.Catalog;
using Ductus.Core.DataContracts;
using Ductus.Core.DuckDb;
using Ductus.Core.Query;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Api.Features.Runs.WhatIf;

/// <summary>A reject that still breaks the contract, with the rules it breaks now and their messages.</summary>
public sealed record StillFailing(long Id, string ValuesJson, IReadOnlyList<string> Rules, string Message);

/// <param name="ByRule">Rule name → how many still-failing rejects break it, most first.</param>
/// <param name="Samples">The first still-failing rejects in id order.</param>
public sealed record RecheckOutcome(long Evaluated, long StillFailing, IReadOnlyList<(string Rule, long Count)> ByRule, IReadOnlyList<StillFailing> Samples);

/// <summary>Why a re-check could not run: the edited rule is refused by the guard, does not run in DuckDB, or runs too long.</summary>
public sealed class RecheckRefusedException(string message) : Exception(message);

/// <summary>
/// Re-checks stored rejects against a contract in a throwaway DuckDB: in memory, one thread,
/// bounded memory, no file or network access (<see cref="DuckDbLockdown"/>), interrupted after a
/// time limit. The rejects' values go in through the Appender as JSON text and become typed
/// columns the way a replay reads them: each column with the type its values have in JSON, so a
/// value that did not cast to the contract's type is checked (and cast) again. The check itself
/// is <see cref="ContractSql"/>'s, the engine's own SQL, and the whole statement passes
/// <see cref="SqlGuard"/> first because a row rule's SQL comes from the request.
/// </summary>
public static class RejectRecheck
{
    /// <summary>The table the statement reads; the only name the guard lets it reach.</summary>
    private const string Table = "candidates";

    private const string IdColumn = "_ductus_reject_id";

    public const int SampleCount = 20;

    /// <summary>How long the Api lets one re-check run.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);

    /// <exception cref="RecheckRefusedException">The statement was refused, failed, or ran out of time.</exception>
    public static async Task<RecheckOutcome> RunAsync(ContractSpec contract, IReadOnlyList<RejectValues> rejects, TimeSpan timeLimit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(rejects);
        if (rejects.Count == 0)
        {
            return new RecheckOutcome(0, 0, [], []);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeLimit);
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync(ct);
        try
        {
            // Limits first, then the lock, before any value or rule SQL is seen.
            await ExecAsync(db, "SET threads = 1; SET memory_limit = '256MB'; SET max_temp_directory_size = '0KB';", deadline.Token);
            await DuckDbLockdown.Nothing.ApplyAsync(db, deadline.Token);
            await ExecAsync(db, "CREATE TABLE ductus_raw (id BIGINT, v VARCHAR)", deadline.Token);
            using (var appender = db.CreateAppender("ductus_raw"))
            {
                foreach (var reject in rejects)
                {
                    appender.CreateRow().AppendValue(reject.Id).AppendValue(reject.ValuesJson).EndRow();
                }
            }

            var columns = await ColumnsAsync(db, contract, deadline.Token);
            var structure = JsonSerializer.Serialize(columns.ToDictionary(c => c.Name, c => c.Type));
            await ExecAsync(db, $"CREATE TABLE {Table} AS SELECT id AS {IdColumn}, unnest(json_transform(v, {Sql.Literal(structure)})) FROM ductus_raw", deadline.Token);

            var rules = ContractSql.Compile(contract, columns);
            var passed = ContractSql.PassedExpression(rules);
            // The decision sits in the inner SELECT, as in the engine, so a unique rule's window sees every row.
            var statement = $"""
                SELECT {IdColumn}, broken, message FROM (
                    SELECT {IdColumn},
                           CASE WHEN {passed} THEN NULL ELSE {ContractSql.BrokenListExpression(rules)} END AS broken,
                           CASE WHEN {passed} THEN NULL ELSE {ContractSql.MessageExpression(rules)} END AS message
                    FROM {Table}) AS checked
                WHERE broken IS NOT NULL
                ORDER BY {IdColumn}
                """;
            var guard = await SqlGuard.CheckAsync(statement, [Table], deadline.Token);
            if (!guard.Allowed)
            {
                throw new RecheckRefusedException($"the contract's SQL is refused: {guard.Error}");
            }

            return await ReadAsync(db, guard.Sql!, rejects, deadline.Token);
        }
        // An interrupted statement surfaces as a DuckDB error or as a cancellation, depending on where it stopped.
        catch (Exception ex) when (ex is (DuckDBException or OperationCanceledException) && deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new RecheckRefusedException($"the re-check took longer than {timeLimit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (DuckDBException ex)
        {
            throw new RecheckRefusedException($"the contract does not run: {ex.Message}");
        }
    }

    /// <summary>
    /// The columns as the values hold them (<c>json_group_structure</c>): a column whose values
    /// are all null, or of mixed kinds, is text; a nested one stays JSON.
    /// </summary>
    private static async Task<List<RelationColumn>> ColumnsAsync(DuckDBConnection db, ContractSpec contract, CancellationToken ct)
    {
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT CAST(json_group_structure(CAST(v AS JSON)) AS VARCHAR) FROM ductus_raw";
        var text = await command.ExecuteScalarAsync(ct) as string ?? "{}";
        using var structure = JsonDocument.Parse(text);
        var columns = new List<RelationColumn>();
        if (structure.RootElement.ValueKind != JsonValueKind.Object)
        {
            return columns;
        }

        foreach (var property in structure.RootElement.EnumerateObject())
        {
            var type = property.Value.ValueKind != JsonValueKind.String ? "JSON" : property.Value.GetString() switch
            {
                "NULL" or "JSON" => "VARCHAR",
                // A CSV reader and a transform give signed integers; JSON only says none was negative.
                "UBIGINT" => "BIGINT",
                var other => other!,
            };
            var c = contract.Columns.FirstOrDefault(x => x.Name == property.Name);
            columns.Add(new RelationColumn(property.Name, type, SpecTypes.ToDuckDb(c?.Type), c));
        }

        return columns;
    }

    private static async Task<RecheckOutcome> ReadAsync(DuckDBConnection db, string sql, IReadOnlyList<RejectValues> rejects, CancellationToken ct)
    {
        var byRule = new Dictionary<string, long>(StringComparer.Ordinal);
        var samples = new List<StillFailing>();
        long failing = 0;
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        // DuckDB only stops a running statement when interrupted; the token alone would wait for it.
        await using var interrupt = ct.Register(() => command.Cancel());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            failing++;
            var broken = reader.GetFieldValue<List<string>>(1);
            foreach (var rule in broken)
            {
                byRule[rule] = byRule.GetValueOrDefault(rule) + 1;
            }

            if (samples.Count < SampleCount)
            {
                var id = reader.GetInt64(0);
                samples.Add(new StillFailing(id, rejects.First(r => r.Id == id).ValuesJson, broken, reader.GetString(2)));
            }
        }

        return new RecheckOutcome(rejects.Count, failing, [.. byRule.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Value))], samples);
    }

    private static async Task ExecAsync(DuckDBConnection db, string sql, CancellationToken ct)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var interrupt = ct.Register(() => command.Cancel());
        await command.ExecuteNonQueryAsync(ct);
    }
}
