using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;

namespace Ductus.Core.Models;

/// <summary>A model reached from a dataset, in how many model hops, and whether its next run can build incrementally.</summary>
/// <param name="Incremental">
/// True when the model is <c>mode: incremental</c> and every dataset on its way that changes only
/// gains appends on its driving input; false when it will rebuild in full.
/// </param>
/// <param name="OnCommit">Whether it runs by itself after its inputs commit (<c>on: commit</c>).</param>
public sealed record DownstreamModel(PipelineRecord Pipeline, int Distance, bool Incremental, bool OnCommit);

/// <summary>Walks the saved pipelines as a graph of datasets: each model an edge from its inputs to its dataset.</summary>
public static class ModelGraph
{
    /// <summary>The models that read <paramref name="dataset"/>, directly or through other models, nearest first.</summary>
    /// <param name="appendsOnly">
    /// Whether the change to <paramref name="dataset"/> only appends rows (a pipeline with
    /// <c>mode: append</c>); a replace, a merge or a changed model rebuilds everything incremental
    /// that reads it, and so on down the chain (<see cref="IncrementalBuild"/>).
    /// </param>
    public static IReadOnlyList<DownstreamModel> Downstream(string dataset, IEnumerable<PipelineRecord> pipelines, bool appendsOnly = false)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        var all = pipelines.Where(p => p.Inputs.Count > 0).ToList();
        var found = new List<DownstreamModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Each dataset the change reaches, and whether it only gains appends.
        var changed = new Dictionary<string, bool>(StringComparer.Ordinal) { [dataset] = appendsOnly };
        var frontier = new HashSet<string>(StringComparer.Ordinal) { dataset };
        for (var distance = 1; frontier.Count > 0; distance++)
        {
            var next = new HashSet<string>(StringComparer.Ordinal);
            foreach (var model in all.Where(p => p.Inputs.Any(frontier.Contains) && seen.Add(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var spec = SpecParser.ParseJson(model.SpecJson).Spec;
                var driving = spec?.Source.Driving ?? (model.Inputs.Count == 1 ? model.Inputs[0] : null);
                var incremental = spec?.Target.Mode is WriteMode.Incremental
                    && model.Inputs.Where(changed.ContainsKey).All(input => input == driving && changed[input]);
                found.Add(new DownstreamModel(model, distance, incremental, spec?.On == RunOn.Commit));
                changed[model.Dataset] = incremental;
                next.Add(model.Dataset);
            }

            frontier = next;
        }

        return found;
    }
}
