using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// Rejected rows, written in bulk with binary COPY and read back by run. PostgreSQL refuses
/// COPY FROM into a table under row-level security for roles the policy applies to, so rows
/// are copied into a transaction-local staging table first and moved with one INSERT ...
/// SELECT, which the policy then checks.
/// </summary>
public sealed class RejectStore(NpgsqlDataSource db, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private const string Columns = """
        id, run_id, pipeline, dataset, line, rules, message, "values"::text, raw_text, created_at
        """;

    /// <summary>Stores a run's rejected rows; returns how many were stored.</summary>
    public async Task<long> AppendAsync(
        Guid workspaceId,
        Guid runId,
        string pipeline,
        string dataset,
        IAsyncEnumerable<RejectedRow> rows,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using (var stage = tx.Command("""
            CREATE TEMP TABLE reject_batch (
                ordinal  bigint,
                line     bigint,
                rules    text[],
                message  text,
                "values" jsonb,
                raw_text text
            ) ON COMMIT DROP
            """))
        {
            await stage.ExecuteNonQueryAsync(ct);
        }

        long ordinal = 0;
        await using (var copy = await tx.Connection.BeginBinaryImportAsync(
            """COPY reject_batch (ordinal, line, rules, message, "values", raw_text) FROM STDIN (FORMAT BINARY)""", ct))
        {
            await foreach (var row in rows.WithCancellation(ct))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(ordinal++, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(copy, row.Line, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Rules as string[] ?? [.. row.Rules], NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.Message, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, row.ValuesJson, NpgsqlDbType.Jsonb, ct);
                await WriteNullableAsync(copy, row.RawText, NpgsqlDbType.Text, ct);
            }

            await copy.CompleteAsync(ct);
        }

        long stored;
        await using (var move = tx.Command("""
            INSERT INTO rejects (workspace_id, run_id, pipeline, dataset, line, rules, message, "values", raw_text, created_at)
            SELECT @ws, @run, @pipeline, @dataset, line, rules, message, "values", raw_text, @now
              FROM reject_batch
             ORDER BY ordinal
            """)
            .With("ws", workspaceId)
            .With("run", runId)
            .With("pipeline", pipeline)
            .With("dataset", dataset)
            .With("now", _time.GetUtcNow()))
        {
            stored = await move.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return stored;
    }

    /// <summary>
    /// A page of a run's rejects in the order they were stored, after <paramref name="afterId"/>;
    /// with <paramref name="rule"/>, only those that broke that rule.
    /// </summary>
    public async Task<RejectPage> ListAsync(Guid workspaceId, Guid runId, long? afterId, int limit, string? rule = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var items = new List<StoredReject>();
        await foreach (var reject in QueryAsync(workspaceId, runId, afterId, limit + 1, rule, ct))
        {
            items.Add(reject);
        }

        if (items.Count <= limit)
        {
            return new RejectPage(items, null);
        }

        items.RemoveAt(limit);
        return new RejectPage(items, items[^1].Id);
    }

    /// <summary>Every reject of a run, streamed in id order without holding them in memory.</summary>
    public IAsyncEnumerable<StoredReject> ReadAllAsync(Guid workspaceId, Guid runId, CancellationToken ct = default) =>
        QueryAsync(workspaceId, runId, null, null, null, ct);

    public async Task<long> CountAsync(Guid workspaceId, Guid runId, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("SELECT count(*) FROM rejects WHERE workspace_id = @ws AND run_id = @run")
            .With("ws", workspaceId)
            .With("run", runId);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Retention: deletes the workspace's rejects stored before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<long> DeleteOlderThanAsync(Guid workspaceId, DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("DELETE FROM rejects WHERE workspace_id = @ws AND created_at < @cutoff")
            .With("ws", workspaceId)
            .With("cutoff", cutoff.ToUniversalTime());
        var deleted = await command.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>
    /// Writes a run's rejects as CSV (RFC 4180): id, line, rules (separated by <c>|</c>),
    /// message, values (the original row as JSON), raw_text, created_at.
    /// </summary>
    /// <param name="view">How each reject is shown (the Api's masks of personal data); as stored when null.</param>
    public async Task ExportCsvAsync(Guid workspaceId, Guid runId, Stream output, Func<StoredReject, StoredReject>? view = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync("id,line,rules,message,values,raw_text,created_at".AsMemory(), ct);
        await foreach (var stored in ReadAllAsync(workspaceId, runId, ct))
        {
            var reject = view is null ? stored : view(stored);
            var line = string.Join(',',
                reject.Id.ToString(CultureInfo.InvariantCulture),
                reject.Line?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                Csv.Field(string.Join('|', reject.Rules)),
                Csv.Field(reject.Message),
                Csv.Field(reject.ValuesJson),
                Csv.Field(reject.RawText),
                reject.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            await writer.WriteLineAsync(line.AsMemory(), ct);
        }

        await writer.FlushAsync(ct);
    }

    /// <summary>Writes a run's rejects as newline-delimited JSON, one object per reject, values as an object.</summary>
    /// <param name="view">How each reject is shown (the Api's masks of personal data); as stored when null.</param>
    public async Task ExportNdjsonAsync(Guid workspaceId, Guid runId, Stream output, Func<StoredReject, StoredReject>? view = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var newline = "\n"u8.ToArray();
        await using var json = new Utf8JsonWriter(output);
        await foreach (var stored in ReadAllAsync(workspaceId, runId, ct))
        {
            var reject = view is null ? stored : view(stored);
            json.WriteStartObject();
            json.WriteNumber("id", reject.Id);
            json.WriteString("runId", reject.RunId);
            json.WriteString("pipeline", reject.Pipeline);
            json.WriteString("dataset", reject.Dataset);
            if (reject.Line is { } number)
            {
                json.WriteNumber("line", number);
            }
            else
            {
                json.WriteNull("line");
            }

            json.WriteStartArray("rules");
            foreach (var rule in reject.Rules)
            {
                json.WriteStringValue(rule);
            }

            json.WriteEndArray();
            json.WriteString("message", reject.Message);
            json.WritePropertyName("values");
            if (reject.ValuesJson is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteRawValue(reject.ValuesJson, skipInputValidation: true);
            }

            json.WriteString("rawText", reject.RawText);
            json.WriteString("createdAt", reject.CreatedAt);
            json.WriteEndObject();
            await json.FlushAsync(ct);
            json.Reset();
            await output.WriteAsync(newline, ct);
        }

        await output.FlushAsync(ct);
    }

    private async IAsyncEnumerable<StoredReject> QueryAsync(
        Guid workspaceId, Guid runId, long? afterId, int? limit, string? rule, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT {Columns}
              FROM rejects
             WHERE workspace_id = @ws AND run_id = @run AND (@after IS NULL OR id > @after)
               AND (@rule IS NULL OR @rule = ANY(rules))
             ORDER BY id
             LIMIT @limit
            """)
            .With("ws", workspaceId)
            .With("run", runId)
            .With("after", afterId, NpgsqlDbType.Bigint)
            .With("rule", rule, NpgsqlDbType.Text)
            .With("limit", limit, NpgsqlDbType.Integer);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return new StoredReject(
                Id: reader.GetInt64(0),
                RunId: reader.GetGuid(1),
                Pipeline: reader.GetString(2),
                Dataset: reader.GetString(3),
                Line: reader.NullableValue<long>(4),
                Rules: reader.GetFieldValue<string[]>(5),
                Message: reader.GetString(6),
                ValuesJson: reader.Nullable<string>(7),
                RawText: reader.Nullable<string>(8),
                CreatedAt: reader.GetFieldValue<DateTimeOffset>(9));
        }
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
        }
    }
}
