using Ductus.Core.Catalog;

namespace Ductus.Core.Models;

/// <summary>A model reached from a dataset, and in how many model hops.</summary>
public sealed record DownstreamModel(PipelineRecord Pipeline, int Distance);

/// <summary>Walks the saved pipelines as a graph of datasets: each model an edge from its inputs to its dataset.</summary>
public static class ModelGraph
{
    /// <summary>The models that read <paramref name="dataset"/>, directly or through other models, nearest first.</summary>
    public static IReadOnlyList<DownstreamModel> Downstream(string dataset, IEnumerable<PipelineRecord> pipelines)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        var all = pipelines.Where(p => p.Inputs.Count > 0).ToList();
        var found = new List<DownstreamModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var frontier = new HashSet<string>(StringComparer.Ordinal) { dataset };
        for (var distance = 1; frontier.Count > 0; distance++)
        {
            var next = new HashSet<string>(StringComparer.Ordinal);
            foreach (var model in all.Where(p => p.Inputs.Any(frontier.Contains) && seen.Add(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                found.Add(new DownstreamModel(model, distance));
                next.Add(model.Dataset);
            }

            frontier = next;
        }

        return found;
    }
}
