using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Query;
using Ductus.Core.Specs;

namespace Ductus.Core.Models;

/// <summary>What a model reads, or why it may not be saved as it is.</summary>
/// <param name="Inputs">The datasets the model reads, spelled as the catalog spells them.</param>
/// <param name="Sql">The SELECT as the parser re-rendered it: what the run executes.</param>
/// <param name="Driving">For <c>mode: incremental</c>: the input whose appends the model reads; null otherwise.</param>
public sealed record ModelResolution(IReadOnlyList<string> Inputs, string? Sql, IReadOnlyList<SpecError> Errors, string? Driving = null)
{
    public static readonly ModelResolution NotAModel = new([], null, []);
}

/// <summary>
/// Finds the datasets a model reads with the query sandbox's own parser (<see cref="SqlGuard"/>),
/// so a model can read exactly what an analyst's query could: datasets of its own workspace,
/// through one SELECT, with the same functions allowed. Joins, CTEs and subqueries are followed
/// as DuckDB binds them; a name the workspace does not have — another workspace's dataset
/// included — is refused.
/// </summary>
public static class ModelInputs
{
    /// <summary>The SELECT a model source stands for: its SQL, or all of its one dataset.</summary>
    public static string SelectOf(SourceSpec source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Dataset is { } dataset ? $"SELECT * FROM {Quoting.Sql.Ident(dataset)}" : source.Sql ?? string.Empty;
    }

    /// <summary>
    /// Checks a model against its workspace's catalog: the datasets it reads must exist, or be the
    /// target of a saved pipeline (so a chain can be saved before its first run), and reading
    /// them must not close a cycle through other models.
    /// </summary>
    public static async Task<ModelResolution> ResolveAsync(CatalogStore catalog, Guid workspaceId, PipelineSpec spec, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Source.Kind is not SourceKind.Model)
        {
            return ModelResolution.NotAModel;
        }

        var pipelines = await catalog.Pipelines.ListAsync(workspaceId, ct);
        var datasets = await catalog.Datasets.ListAsync(workspaceId, ct);
        var known = datasets.Select(d => d.Name).Concat(pipelines.Select(p => p.Dataset)).Distinct(StringComparer.Ordinal).ToList();
        var path = spec.Source.Dataset is null ? "source.sql" : "source.dataset";
        var guard = await SqlGuard.CheckAsync(SelectOf(spec.Source), known, ct);
        if (!guard.Allowed)
        {
            return new([], null, [new SpecError(path, guard.Error ?? "is refused")]);
        }

        if (guard.Datasets.FirstOrDefault(d => d is "source" or "transformed") is { } reserved)
        {
            return new([], null, [new SpecError(path, $"reads a dataset named '{reserved}', a name a model's run gives its own relations; rename the dataset to build a model on it")]);
        }

        var others = pipelines.Where(p => p.Name != spec.Name).Select(p => (p.Inputs, Output: p.Dataset));
        if (FindCycle(guard.Datasets, spec.Target.Dataset, others) is { } cycle)
        {
            return new([], null, [new SpecError(path, $"reading {cycle[0]} into {spec.Target.Dataset} makes a cycle: {string.Join(" → ", cycle)}")]);
        }

        if (spec.Target.Mode is not WriteMode.Incremental)
        {
            return new(guard.Datasets, guard.Sql, []);
        }

        return DrivingInput(spec.Source.Driving, guard.Datasets) is { } driving
            ? new(guard.Datasets, guard.Sql, [], driving)
            : new([], null, [new SpecError("source.driving", spec.Source.Driving is null
                ? $"name the input whose appends drive this incremental model: one of {string.Join(", ", guard.Datasets)}"
                : $"'{spec.Source.Driving}' is not one of the datasets the model reads ({string.Join(", ", guard.Datasets)})")]);
    }

    /// <summary>The named input when the model reads it, or the only input when none is named.</summary>
    private static string? DrivingInput(string? named, IReadOnlyList<string> inputs) =>
        named is null
            ? inputs.Count == 1 ? inputs[0] : null
            : inputs.FirstOrDefault(i => string.Equals(i, named, StringComparison.Ordinal));

    /// <summary>
    /// The datasets of a cycle that a model reading <paramref name="inputs"/> into
    /// <paramref name="output"/> would close, first and last the same; null when there is none.
    /// Edges run from each pipeline's inputs to its output dataset.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(
        IReadOnlyList<string> inputs, string output, IEnumerable<(IReadOnlyList<string> Inputs, string Output)> others)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(others);
        var downstream = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (from, to) in others.SelectMany(o => o.Inputs.Select(i => (i, o.Output))))
        {
            (downstream.TryGetValue(from, out var list) ? list : downstream[from] = []).Add(to);
        }

        // Breadth first from the output: the first input reached gives the shortest cycle.
        var cameFrom = new Dictionary<string, string?>(StringComparer.Ordinal) { [output] = null };
        var queue = new Queue<string>([output]);
        var wanted = inputs.ToHashSet(StringComparer.Ordinal);
        while (queue.TryDequeue(out var node))
        {
            if (wanted.Contains(node))
            {
                var path = new List<string>();
                for (string? step = node; step is not null; step = cameFrom[step])
                {
                    path.Add(step);
                }

                path.Reverse();
                return [node, .. path];
            }

            foreach (var next in downstream.GetValueOrDefault(node) ?? [])
            {
                if (cameFrom.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }
}
