using Ductus.Core.Lake;

namespace Ductus.Pipelines.Engine;

/// <summary>Where a run writes and what it reads instead of the spec's source.</summary>
/// <param name="Workspace">Workspace name; the run's files go under <c>&lt;LakeRoot&gt;/&lt;Workspace&gt;/&lt;dataset&gt;/</c>.</param>
/// <param name="LakeRoot">Absolute path of the lake folder.</param>
/// <param name="ReplayNdjsonPath">
/// An NDJSON file of previously rejected rows (values as they were after the transform). When set,
/// it replaces the source and the transform is skipped; the contract is applied as usual.
/// </param>
/// <param name="IngestNdjsonPath">For an <c>ingest</c> source: the buffered records the run drains, one JSON object a line.</param>
public sealed record RunContext(
    Guid RunId, string Workspace, string LakeRoot, string? ReplayNdjsonPath = null, IProgress<RunProgress>? Progress = null, string? IngestNdjsonPath = null)
{
    /// <summary>The pipeline's last committed incremental cursor; null reads the whole source.</summary>
    public string? Watermark { get; init; }

    /// <summary>For merge: the files of the dataset's current snapshot, which the run may rewrite.</summary>
    public IReadOnlyList<LakeFile> MergeBase { get; init; } = [];

    /// <summary>For a model: its SELECT and the files of each input's pinned snapshot.</summary>
    public ModelSource? Model { get; init; }

    /// <summary>The dataset's current columns, which the schema step holds the run's to; null skips the step (a run without a catalog, as in the engine's own tests).</summary>
    public SchemaBaseline? Schema { get; init; }
}

/// <summary>
/// What a model's run reads: the checked SELECT and, per input dataset, the absolute paths of its
/// pinned snapshot's files — for an incremental build, the driving input's are only the files its
/// appends added since the last build.
/// </summary>
public sealed record ModelSource(string Sql, IReadOnlyDictionary<string, IReadOnlyList<string>> Files)
{
    /// <summary>True when the run reads only the driving input's new rows and appends to its dataset; false rebuilds it.</summary>
    public bool Incremental { get; init; }

    /// <summary>An input that reads as empty (with its columns): an incremental build whose driving input appended nothing.</summary>
    public string? EmptyInput { get; init; }
}

/// <summary>A step of a run started (<see cref="Rows"/> null) or finished (with the rows it produced, where known).</summary>
public sealed record RunProgress(string Step, long? Rows = null);

/// <summary>The step names a run reports durations and failures under.</summary>
public static class RunSteps
{
    public const string Validate = "validate";
    public const string Extract = "extract";
    public const string Transform = "transform";
    public const string Contract = "contract";
    public const string Schema = "schema";
    public const string Load = "load";
}
