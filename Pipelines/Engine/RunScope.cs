using Ductus.Core.Specs;

namespace Ductus.Pipelines.Engine;

/// <summary>What every step of one run shares: its spec and context, its folders, its DuckDB and what it has produced so far.</summary>
/// <param name="Scratch">The run's own folder under the temp folder (spill files, downloads, landed API pages, the contract's staging), deleted with <paramref name="Output"/>.</param>
internal sealed record RunScope(PipelineSpec Spec, RunContext Context, string Scratch, DuckDbSession Db, RunOutput Output)
{
    /// <summary>The dataset's lake folder, where the run's files go.</summary>
    public string DatasetFolder => Path.Combine(Context.LakeRoot, Context.Workspace, Spec.Target.Dataset);

    /// <summary>A file of the dataset as the catalog names it, relative to the lake root.</summary>
    public string RelativePath(string fileName) => $"{Context.Workspace}/{Spec.Target.Dataset}/{fileName}";

    /// <summary>True when the run reads rejects again instead of the spec's source, and skips the transform.</summary>
    public bool IsReplay => Context.ReplayNdjsonPath is not null;
}
