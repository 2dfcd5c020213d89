using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Runs;

/// <summary>The part of a run only models have: pinning the inputs (queueing what reads the output is <see cref="PipelineRunner"/>'s, after the commit).</summary>
internal static class ModelRuns
{
    /// <summary>
    /// Pins every input of <paramref name="spec"/> at its current snapshot and records the versions
    /// on the run before anything is read, so the run's output is reproducible from them whatever
    /// commits meanwhile.
    /// </summary>
    /// <exception cref="InvalidOperationException">An input is missing, empty, or the model no longer resolves.</exception>
    public static async Task<ModelSource> PinInputsAsync(CatalogStore catalog, Guid workspaceId, string lakeRoot, PipelineSpec spec, Guid runId, CancellationToken ct)
    {
        var resolution = await ModelInputs.ResolveAsync(catalog, workspaceId, spec, ct);
        if (resolution.Errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", resolution.Errors));
        }

        var files = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var pinned = new List<RunInput>();
        foreach (var dataset in resolution.Inputs)
        {
            var snapshot = await catalog.Datasets.PinAsync(workspaceId, dataset, null, lakeRoot, ct)
                ?? throw new InvalidOperationException($"input dataset '{dataset}' has no snapshot yet: its pipeline has not loaded it");
            if (snapshot.Files.Count == 0)
            {
                throw new InvalidOperationException($"input dataset '{dataset}' version {snapshot.Version} has no files to read");
            }

            files[dataset] = snapshot.Files;
            pinned.Add(new RunInput(dataset, snapshot.Version));
        }

        await catalog.Models.RecordInputsAsync(workspaceId, runId, pinned, ct);
        return new ModelSource(resolution.Sql!, files);
    }
}
