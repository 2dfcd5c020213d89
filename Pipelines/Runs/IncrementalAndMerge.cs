using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Runs;

/// <summary>What a run needs from the catalog before it starts: where its cursor stands and which files a merge may rewrite.</summary>
internal static class IncrementalAndMerge
{
    public static async Task<RunContext> ContextAsync(CatalogStore catalog, Guid workspaceId, PipelineSpec spec, RunContext context, CancellationToken ct)
    {
        // A replay does not read the source, so it neither uses nor moves the cursor.
        var watermark = spec.Incremental is not null && context.ReplayNdjsonPath is null
            ? await catalog.Pipelines.GetWatermarkAsync(workspaceId, spec.Name, ct)
            : null;
        var mergeBase = spec.Target.Mode == WriteMode.Merge
            ? (await catalog.Datasets.GetSnapshotAsync(workspaceId, spec.Target.Dataset, null, ct))?.Files ?? []
            : [];
        return context with { Watermark = watermark, MergeBase = mergeBase };
    }
}
