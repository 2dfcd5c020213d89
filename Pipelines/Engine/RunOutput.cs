using System.Runtime.CompilerServices;
using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Core.Lake;

namespace Ductus.Pipelines.Engine;

/// <summary>
/// What a run produced. It owns the run's DuckDB (where the rejected rows still are) and its
/// scratch folder until disposed, so rejects can be streamed to the reject store afterwards.
/// </summary>
public sealed class RunOutput : IAsyncDisposable
{
    private readonly DuckDBConnection connection;
    private readonly string scratch;
    private readonly Dictionary<string, TimeSpan> stepDurations = new(StringComparer.Ordinal);
    private IReadOnlyList<DatasetColumn>? datasetColumns;
    private bool disposed;

    internal RunOutput(DuckDBConnection connection, string scratch)
    {
        this.connection = connection;
        this.scratch = scratch;
    }

    /// <summary>Rows the contract saw plus source lines the parser refused.</summary>
    public long RowsRead { get; internal set; }

    public long RowsLoaded { get; internal set; }

    /// <summary>Rows rejected by the contract or the parser; still counted when the run fails.</summary>
    public long RowsRejected { get; internal set; }

    public long BytesWritten { get; internal set; }

    /// <summary>Parquet files written into the lake; empty when the run failed.</summary>
    public IReadOnlyList<LakeFile> Files { get; internal set; } = [];

    /// <summary>The loaded schema, including <c>_ductus_run_id</c> and <c>_ductus_loaded_at</c>.</summary>
    public IReadOnlyList<DatasetColumn> Columns { get; internal set; } = [];

    /// <summary>
    /// The dataset's columns once the run commits (<see cref="SchemaEvolution"/>): the run's, plus
    /// the dataset's columns it lacks, which stay; the run's own <see cref="Columns"/> until the schema step ran.
    /// </summary>
    public IReadOnlyList<DatasetColumn> DatasetColumns
    {
        get => datasetColumns ?? Columns;
        internal set => datasetColumns = value;
    }

    /// <summary>Columns the run added or widened, recorded with its snapshot; null when none.</summary>
    public SchemaChanges? SchemaChanges { get; internal set; }

    /// <summary>The highest incremental cursor among the loaded rows, to commit with the snapshot; null leaves it as it was.</summary>
    public string? Watermark { get; internal set; }

    /// <summary>For merge: current files the run rewrote, which the new snapshot drops.</summary>
    public IReadOnlyList<string> RemovedFiles { get; internal set; } = [];

    public IReadOnlyDictionary<string, TimeSpan> StepDurations => stepDurations;

    public bool Failed => FailedStep is not null;

    public string? FailedStep { get; private set; }

    public string? FailureReason { get; private set; }

    internal string? ContractRejectsSql { get; set; }

    internal string? ParseRejectsSql { get; set; }

    internal void Fail(string step, string reason)
    {
        FailedStep = step;
        FailureReason = reason;
    }

    internal void AddDuration(string step, TimeSpan duration) =>
        stepDurations[step] = stepDurations.GetValueOrDefault(step) + duration;

    /// <summary>
    /// Rejected rows: parser rejects first (by file and line), then contract rejects in the order
    /// the parallel contract pass wrote them (not necessarily source order).
    /// </summary>
    public async IAsyncEnumerable<RejectedRow> ReadRejectsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (ParseRejectsSql is { } parseSql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = parseSql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                yield return new RejectedRow(
                    reader.IsDBNull(0) ? null : reader.GetInt64(0),
                    ["parse"],
                    reader.GetString(1),
                    null,
                    reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }

        if (ContractRejectsSql is { } contractSql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = contractSql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var rules = JsonSerializer.Deserialize<string[]>(reader.GetString(0)) ?? [];
                yield return new RejectedRow(null, rules, reader.GetString(1), reader.GetString(2), null);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await connection.DisposeAsync();
        try
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
        catch (IOException)
        {
            // A scratch folder left behind is harmless (it lives in the temp folder); failing dispose is not.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
