using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Runs;

/// <summary>What a run needs from the catalog before it starts: where its cursor stands, which files a merge may rewrite, and the columns it may evolve.</summary>
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

    /// <summary>The dataset's current columns, which the run's schema step compares its own with, and whether <paramref name="mode"/> replaces them.</summary>
    public static async Task<SchemaBaseline> SchemaAsync(CatalogStore catalog, Guid workspaceId, string dataset, WriteMode mode, CancellationToken ct) =>
        new(await catalog.Datasets.GetColumnsAsync(workspaceId, dataset, ct), mode == WriteMode.Replace);
}
