using Ductus.Core.Catalog;
using Ductus.Core.Specs;

namespace Ductus.Api.Features.Runs;

/// <summary>The spec a run's rejects are judged by, and its version.</summary>
/// <param name="Version">The version the run recorded; the current one when it recorded none.</param>
public sealed record RunSpec(PipelineSpec? Spec, int? Version)
{
    /// <summary>
    /// The saved version the run used, so rules read as they were when the rows were refused;
    /// the current spec for a run that recorded no version; none once the pipeline is deleted.
    /// </summary>
    public static async Task<RunSpec> LoadAsync(CatalogStore catalog, Guid workspace, RunRecord run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(run);
        var record = run.PipelineVersion is { } version
            ? await catalog.Pipelines.GetVersionAsync(workspace, run.Pipeline, version, ct)
            : await catalog.Pipelines.GetAsync(workspace, run.Pipeline, ct);
        return record is null ? new RunSpec(null, run.PipelineVersion) : new RunSpec(SpecParser.ParseJson(record.SpecJson).Spec, record.Version);
    }
}
