using System.Text.Json.Serialization;
using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Runs;

/// <summary>A run as the Api shows it.</summary>
/// <param name="Status"><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="Trigger"><c>manual</c>, <c>schedule</c>, <c>replay</c>, <c>api</c> or <c>upstream</c> (a model queued because a dataset it reads committed).</param>
/// <param name="SnapshotVersion">The dataset version the run committed; null until it succeeds.</param>
/// <param name="ErrorStep">The step that failed: extract, transform, contract, load or commit.</param>
/// <param name="Attempt">How many times the run was started; above 1 after a retry.</param>
/// <param name="ReplayOf">For a replay: the run whose rejected rows it re-submits.</param>
/// <param name="Steps">Milliseconds spent per step.</param>
public sealed record Run(
    Guid Id,
    string Pipeline,
    int? PipelineVersion,
    string Dataset,
    string Status,
    string Trigger,
    long RowsRead,
    long RowsLoaded,
    long RowsRejected,
    long Bytes,
    long? SnapshotVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string? ErrorStep,
    int Attempt,
    Guid? ReplayOf,
    IReadOnlyDictionary<string, long> Steps)
{
    /// <summary>
    /// The snapshot of each dataset a model's run read, pinned when it started; empty for other
    /// runs and before a model's run starts. Only <c>GET /api/runs/{id}</c> reads them: a listing
    /// would cost a query per run, so it and the events leave the field out.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PinnedInput>? Inputs { get; init; }

    /// <summary>For a model's run: whether it built incrementally or in full, and why. Like <see cref="Inputs"/>, only <c>GET /api/runs/{id}</c> reads it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ModelBuild? Build { get; init; }

    public static Run From(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new Run(run.Id, run.Pipeline, run.PipelineVersion, run.Dataset, Name(run.Status), Name(run.Trigger),
            run.RowsRead, run.RowsLoaded, run.RowsRejected, run.Bytes, run.SnapshotVersion,
            run.CreatedAt, run.StartedAt, run.FinishedAt, run.Error, run.ErrorStep, run.Attempt, run.ReplayOf,
            run.StepDurations.ToDictionary(s => s.Key, s => (long)Math.Round(s.Value.TotalMilliseconds)));
    }

    // The enums' names lowercased are the catalog's own spellings of them.
    public static string Name(RunStatus status) => status.ToString().ToLowerInvariant();

    public static string Name(RunTrigger trigger) => trigger.ToString().ToLowerInvariant();

    public static string Location(Guid id) => $"/api/runs/{id}";
}

/// <summary>How a model's run built its output.</summary>
/// <param name="Mode"><c>incremental</c> (read only what the driving input appended since the last build, appended to the dataset) or <c>full</c> (read everything, replaced the dataset).</param>
/// <param name="Reason">Why: for a full rebuild, what forced it (first build, a changed SQL or contract, an upstream replace or merge…).</param>
/// <param name="Driving">The input whose appends drive an incremental model.</param>
/// <param name="FilesRead">Lake files read from the driving input (incremental) or from all inputs (full).</param>
public sealed record ModelBuild(string Mode, string Reason, string? Driving, int FilesRead)
{
    public static ModelBuild From(ModelBuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return new ModelBuild(build.Incremental ? "incremental" : "full", build.Reason, build.Driving, build.FilesRead);
    }
}

/// <summary>One input of a model's run: a dataset and the snapshot version the run read of it.</summary>
public sealed record PinnedInput(string Dataset, long Version)
{
    public static PinnedInput From(RunInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new PinnedInput(input.Dataset, input.Version);
    }
}
