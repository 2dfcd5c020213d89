using Ductus.Core.Lake;

namespace Ductus.Core.Catalog;

public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

public enum RunTrigger
{
    Manual,
    Schedule,
    Replay,
    Api,

    /// <summary>A model queued because a dataset it reads committed (<c>on: commit</c>).</summary>
    Upstream,
}

/// <summary>A pipeline's current spec as the catalog stores it.</summary>
/// <param name="SpecJson">The parsed spec model as JSON (what the engine runs).</param>
/// <param name="OriginalText">The text the user wrote (YAML or JSON), kept verbatim.</param>
/// <param name="Format"><c>yaml</c> or <c>json</c>.</param>
public sealed record PipelineRecord(
    string Name,
    string SpecJson,
    string OriginalText,
    string Format,
    int Version,
    string? Schedule,
    string Dataset,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>A model's input datasets, found when the spec was saved; empty for other pipelines.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
}

/// <summary>The snapshot of one input dataset a model's run read, pinned when the run started.</summary>
public sealed record RunInput(string Dataset, long Version);

/// <summary>How a model's run built its output (<c>model_builds</c>).</summary>
/// <param name="Incremental">True when only the driving input's appended rows were read.</param>
/// <param name="Reason">Why this build, in words; a full rebuild says what forced it.</param>
/// <param name="Fingerprint">The hash of the definition it built (<c>IncrementalBuild.Fingerprint</c>).</param>
/// <param name="Driving">The input whose appends drive an incremental model; null for others.</param>
/// <param name="FilesRead">Lake files the run read from its driving input (all inputs' files for a full build).</param>
public sealed record ModelBuildRecord(bool Incremental, string Reason, string Fingerprint, string? Driving, int FilesRead);

/// <summary>What a model's run read (<see cref="RunInput"/>s, by dataset) and how it built; empty and null for other runs.</summary>
public sealed record ModelRunRecord(IReadOnlyList<RunInput> Inputs, ModelBuildRecord? Build);

/// <summary>A workspace: its id (what every catalog row carries) and its name (what people and Quartz's job groups use).</summary>
public sealed record WorkspaceRecord(Guid Id, string Name);

/// <summary>
/// A pipeline's cron trigger as the clustered scheduler holds it: what it fires on, when it fires
/// next and Quartz's state for it (<c>WAITING</c>, <c>ACQUIRED</c>, <c>EXECUTING</c>, <c>BLOCKED</c>,
/// <c>PAUSED</c>, <c>ERROR</c>, <c>COMPLETE</c>).
/// </summary>
/// <param name="NextFireAt">Null when the expression has no future time.</param>
public sealed record ScheduledTrigger(string Pipeline, string Cron, DateTimeOffset? NextFireAt, string State);

/// <summary>What a run did, reported by the engine when the run ends.</summary>
/// <param name="StepDurations">Time per step (extract, transform, contract, load, commit).</param>
public sealed record RunStats(
    long RowsRead,
    long RowsLoaded,
    long RowsRejected,
    long Bytes,
    IReadOnlyDictionary<string, TimeSpan>? StepDurations = null)
{
    public static RunStats Empty { get; } = new(0, 0, 0, 0);
}

public sealed record RunRecord(
    Guid Id,
    string Pipeline,
    string Dataset,
    RunStatus Status,
    RunTrigger Trigger,
    Guid? ReplayOf,
    int? PipelineVersion,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyDictionary<string, TimeSpan> StepDurations,
    long RowsRead,
    long RowsLoaded,
    long RowsRejected,
    long Bytes,
    long? SnapshotVersion,
    string? Error,
    string? ErrorStep,
    string? Node);

/// <summary>Optional filters of a run listing; null means "any".</summary>
public sealed record RunFilter(string? Pipeline = null, RunStatus? Status = null, string? Dataset = null);

/// <summary>One page of runs, newest first. <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record RunPage(IReadOnlyList<RunRecord> Items, string? NextCursor);

/// <summary>Everything one successful run makes visible, committed in one transaction.</summary>
/// <param name="Columns">
/// The dataset's schema once this run commits (the run's columns, plus those of the dataset it
/// lacks, which stay); replaces the recorded schema.
/// </param>
/// <param name="Files">Files the run wrote, relative to the lake root.</param>
public sealed record CommitRequest(
    Guid RunId,
    string Dataset,
    string? Description,
    IReadOnlyList<DatasetColumn> Columns,
    WriteMode Mode,
    IReadOnlyList<LakeFile> Files,
    RunStats RunStats)
{
    /// <summary>The incremental cursor to store for the run's pipeline; null leaves it unchanged.</summary>
    public string? Watermark { get; init; }

    /// <summary>Quartz cron the dataset is expected to be loaded on (freshness); null leaves it unchanged.</summary>
    public string? ExpectedSchedule { get; init; }

    /// <summary>
    /// For <see cref="WriteMode.Merge"/>: files of the current snapshot that the run rewrote
    /// (copy-on-write) and that the new snapshot drops. Ignored by append and replace.
    /// </summary>
    public IReadOnlyList<string> RemovedFiles { get; init; } = [];

    /// <summary>Columns the run added or widened (<c>schema_evolution</c>), kept with the snapshot; null when none.</summary>
    public SchemaChanges? SchemaChanges { get; init; }

    /// <summary>
    /// The dataset's columns after this commit (and what changed), worked out again from its columns
    /// as the commit finds them in its own transaction. The run checked its schema against the
    /// columns at its start; another run may have committed since, adding or widening columns that
    /// committing <see cref="Columns"/> as given would drop from the catalog. Throws
    /// <see cref="SchemaRefusedException"/> when the run's columns may not go on top of them. Null
    /// (and for a dataset's first commit) commits <see cref="Columns"/> and <see cref="SchemaChanges"/> as given.
    /// </summary>
    public Func<IReadOnlyList<DatasetColumn>, (IReadOnlyList<DatasetColumn> Columns, SchemaChanges? Changes)>? ColumnsOnTopOf { get; init; }
}

/// <param name="Attempts">How many times the commit ran; above 1 when another run committed first.</param>
public sealed record CommitResult(long Version, long? ParentVersion, long RowCount, int FileCount, int Attempts);

public sealed record DatasetRecord(
    string Name,
    string? Description,
    IReadOnlyList<DatasetColumn> Columns,
    long? CurrentVersion,
    long RowCount,
    long Bytes,
    DateTimeOffset? LastLoadedAt,
    string? ExpectedSchedule,
    string? Pipeline,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Who answers for it: its pipeline spec's <c>owner</c>.</summary>
    public string? Owner { get; init; }

    /// <summary>Its pipeline spec's <c>tags</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>What its freshness is checked against; null when no enabled pipeline with a <c>freshness</c> block or a schedule loads it.</summary>
    public DatasetSla? Sla { get; init; }
}

/// <summary>
/// What a dataset listing is narrowed to (<c>GET /api/datasets?q=&amp;tag=&amp;owner=</c>); null means any.
/// With <see cref="Query"/> the list is ranked by relevance, else it is by name.
/// </summary>
/// <param name="Query">Words searched in names, owners, tags, descriptions, column names and column descriptions (PostgreSQL full-text search, each word as a prefix).</param>
/// <param name="Tag">Only datasets with this tag.</param>
/// <param name="Owner">Only datasets of this owner (case-insensitive, whole value).</param>
public sealed record DatasetFilter(string? Query = null, string? Tag = null, string? Owner = null)
{
    public bool IsEmpty => string.IsNullOrWhiteSpace(Query) && Tag is null && Owner is null;
}

public sealed record SnapshotRecord(
    string Dataset,
    long Version,
    long? ParentVersion,
    Guid? RunId,
    SnapshotOperation Operation,
    long RowCount,
    int FileCount,
    long Bytes,
    DateTimeOffset CreatedAt)
{
    /// <summary>Columns this version added or widened over its parent; null when it changed none (or was committed before 0027).</summary>
    public SchemaChanges? SchemaChanges { get; init; }
}

/// <summary>How a snapshot came from its parent: a run's write mode, or a compaction (no run).</summary>
public enum SnapshotOperation
{
    Append,
    Replace,
    Merge,

    /// <summary>The parent's rows in fewer files (the Pipelines service's <c>LakeCompactor</c>).</summary>
    Compact,

    /// <summary>An older version's files again, committed as a new version (<c>POST /api/datasets/{name}/rollback</c>).</summary>
    Rollback,
}

/// <summary>A snapshot with the files a reader must scan to see exactly that version.</summary>
public sealed record SnapshotDetail(SnapshotRecord Snapshot, IReadOnlyList<LakeFile> Files);

/// <summary>One snapshot of a dataset as a reader pinned it: the files to read, as absolute paths.</summary>
public sealed record PinnedSnapshot(string Dataset, long Version, IReadOnlyList<string> Files);

/// <summary>A rejected row as stored, with its id (the paging key) and run.</summary>
public sealed record StoredReject(
    long Id,
    Guid RunId,
    string Pipeline,
    string Dataset,
    long? Line,
    IReadOnlyList<string> Rules,
    string Message,
    string? ValuesJson,
    string? RawText,
    DateTimeOffset CreatedAt);

/// <summary>One page of rejects in id order; pass <see cref="NextAfterId"/> to get the next.</summary>
public sealed record RejectPage(IReadOnlyList<StoredReject> Items, long? NextAfterId);

/// <param name="FilesKept">Unreferenced files left alone because they are younger than the grace period.</param>
public sealed record CollectionResult(int FilesDeleted, long BytesDeleted, int FilesReferenced, int FilesKept);

/// <summary>The run is missing or not in a state that allows the operation (e.g. committing a cancelled run).</summary>
public sealed class RunStateException : Exception
{
    public RunStateException()
    {
    }

    public RunStateException(string message)
        : base(message)
    {
    }

    public RunStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A commit could not be applied on top of the current snapshot: retries were exhausted, or a
/// merge's rewritten files were changed by another commit in the meantime.
/// </summary>
public sealed class CommitConflictException : Exception
{
    public CommitConflictException()
    {
    }

    public CommitConflictException(string message)
        : base(message)
    {
    }

    public CommitConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A run's columns may not be committed on top of the dataset's current ones under its
/// <c>schema_evolution</c>: another commit changed them after the run's schema step passed.
/// </summary>
public sealed class SchemaRefusedException : Exception
{
    public SchemaRefusedException()
    {
    }

    public SchemaRefusedException(string message)
        : base(message)
    {
    }

    public SchemaRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
