using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Runs;

/// <summary>The part of a run only models have: pinning the inputs and planning the build (queueing what reads the output is <see cref="PipelineRunner"/>'s, after the commit).</summary>
internal static class ModelRuns
{
    /// <summary>
    /// Pins every input of <paramref name="spec"/> at its current snapshot, decides whether the run
    /// builds incrementally or in full (<see cref="IncrementalBuild"/>), and records both on the run
    /// before anything is read, so the run's output is reproducible from the recorded versions
    /// whatever commits meanwhile.
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

        var fingerprint = IncrementalBuild.Fingerprint(spec, resolution.Sql!);
        var plan = await PlanAsync(catalog, workspaceId, spec, resolution.Driving, fingerprint, pinned, ct);
        var source = new ModelSource(resolution.Sql!, files) { Incremental = plan.Incremental };
        if (plan is { Incremental: true, DrivingAfter: { } after } && resolution.Driving is { } driving)
        {
            var upTo = pinned.Single(p => p.Dataset == driving).Version;
            var appended = await catalog.Models.AppendedFilesAsync(workspaceId, driving, after, upTo, ct);
            // Nothing appended (only compactions since): the driving input reads as empty, with its schema.
            source = appended.Count == 0
                ? source with { EmptyInput = driving }
                : source with { Files = new Dictionary<string, IReadOnlyList<string>>(files, StringComparer.Ordinal) { [driving] = [.. appended.Select(f => Path.GetFullPath(Path.Combine(lakeRoot, f)))] } };
        }

        var filesRead = !plan.Incremental ? source.Files.Values.Sum(f => f.Count)
            : source.EmptyInput is null ? source.Files[resolution.Driving!].Count : 0;
        await catalog.Models.RecordInputsAsync(workspaceId, runId, pinned, new ModelBuildRecord(plan.Incremental, plan.Reason, fingerprint, resolution.Driving, filesRead), ct);
        return source;
    }

    private static async Task<BuildPlan> PlanAsync(
        CatalogStore catalog, Guid workspaceId, PipelineSpec spec, string? driving, string fingerprint, IReadOnlyList<RunInput> pinned, CancellationToken ct)
    {
        // Only an incremental model continues from its last build.
        var last = driving is null ? null : await catalog.Models.LastBuildAsync(workspaceId, spec.Name, ct);
        if (last is null)
        {
            return IncrementalBuild.Plan(spec, fingerprint, driving, null, null, pinned, new Dictionary<string, IReadOnlyList<InputSnapshot>>());
        }

        // Versions only grow and retention never removes the current one, so the newest held at or
        // after the last build's is the model's dataset's current version.
        var ranges = last.Inputs
            .Select(i => (i.Dataset, From: i.Version, To: pinned.FirstOrDefault(p => p.Dataset == i.Dataset)?.Version ?? -1))
            .Where(r => r.To >= r.From)
            .Append((spec.Target.Dataset, last.OutputVersion, long.MaxValue))
            .ToList();
        var between = await catalog.Models.SnapshotsBetweenAsync(workspaceId, ranges, ct);
        var output = between[spec.Target.Dataset] is { Count: > 0 } outputs ? outputs[^1].Version : (long?)null;
        return IncrementalBuild.Plan(spec, fingerprint, driving, last, output, pinned, between);
    }
}
