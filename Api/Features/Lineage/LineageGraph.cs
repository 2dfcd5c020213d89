using Ductus.Core.Catalog;
using Ductus.Core.Specs;

namespace Ductus.Api.Features.Lineage;

public enum LineageDirection
{
    /// <summary>Towards what a dataset is made from: its pipelines and their sources, its models and their inputs.</summary>
    Up,

    /// <summary>Towards what is made from a dataset: the models that read it and their targets.</summary>
    Down,

    Both,
}

/// <summary>
/// A workspace's dependency graph, built from its saved specs and its catalog: source:P →
/// pipeline:P → dataset:T for a pipeline, dataset:I → model:M → dataset:T for a model. Pure, so
/// the walk is tested without a stack.
/// </summary>
public sealed class LineageGraph
{
    private readonly Dictionary<string, LineageNode> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<LineageEdge> _edges = [];

    // Per dataset name: the pipelines and models writing it, and the models reading it (node ids).
    private readonly Dictionary<string, List<string>> _writers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _readers = new(StringComparer.Ordinal);

    // Per pipeline or model node: the datasets it reads and the one it writes.
    private readonly Dictionary<string, IReadOnlyList<string>> _reads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _writes = new(StringComparer.Ordinal);

    private LineageGraph()
    {
    }

    public static string DatasetId(string name) => "dataset:" + name;

    public static LineageGraph Build(IEnumerable<PipelineRecord> pipelines, IEnumerable<DatasetRecord> datasets)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        ArgumentNullException.ThrowIfNull(datasets);
        var graph = new LineageGraph();
        foreach (var dataset in datasets)
        {
            graph._nodes[DatasetId(dataset.Name)] = new LineageNode(DatasetId(dataset.Name), "dataset", dataset.Name, dataset.CurrentVersion, dataset.RowCount);
        }

        foreach (var pipeline in pipelines)
        {
            graph.Add(pipeline);
        }

        return graph;
    }

    /// <summary>Whether any dataset, pipeline target or model input has this name.</summary>
    public bool Contains(string dataset) => _nodes.ContainsKey(DatasetId(dataset));

    /// <summary>
    /// The nodes up to <paramref name="depth"/> dataset-hops from <paramref name="dataset"/>: a
    /// dataset reached in fewer hops is expanded (its writers and their inputs or sources when
    /// walking up, its readers and their targets when walking down), one reached at the last hop is not.
    /// </summary>
    public LineageView Walk(string dataset, LineageDirection direction, int depth)
    {
        if (!Contains(dataset))
        {
            throw new ArgumentException($"No dataset '{dataset}' in the graph.", nameof(dataset));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        var reached = new HashSet<string>(StringComparer.Ordinal) { DatasetId(dataset) };
        if (direction is LineageDirection.Up or LineageDirection.Both)
        {
            Reach(dataset, depth, reached, name => _writers.GetValueOrDefault(name) ?? [], step => _reads[step]);
        }

        if (direction is LineageDirection.Down or LineageDirection.Both)
        {
            Reach(dataset, depth, reached, name => _readers.GetValueOrDefault(name) ?? [], step => [_writes[step]]);
        }

        return new LineageView(
            DatasetId(dataset),
            [.. reached.Order(StringComparer.Ordinal).Select(id => _nodes[id])],
            [.. _edges.Where(e => reached.Contains(e.From) && reached.Contains(e.To)).OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)]);
    }

    /// <summary>Breadth first, so a dataset is expanded at the fewest hops it can be reached in.</summary>
    private static void Reach(string root, int depth, HashSet<string> reached, Func<string, IReadOnlyList<string>> steps, Func<string, IReadOnlyList<string>> next)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var frontier = new List<string> { root };
        for (var hop = 0; hop < depth && frontier.Count > 0; hop++)
        {
            var following = new List<string>();
            foreach (var step in frontier.SelectMany(steps))
            {
                reached.Add(step);
                if (step.StartsWith("pipeline:", StringComparison.Ordinal))
                {
                    reached.Add(SourceId(step["pipeline:".Length..]));
                }

                foreach (var name in next(step).Where(seen.Add))
                {
                    reached.Add(DatasetId(name));
                    following.Add(name);
                }
            }

            frontier = following;
        }
    }

    private static string SourceId(string pipeline) => "source:" + pipeline;

    private void Add(PipelineRecord pipeline)
    {
        var spec = SpecParser.ParseJson(pipeline.SpecJson).Spec;
        var source = spec?.Source;
        var target = DatasetOf(pipeline.Dataset);
        string id;
        if (source?.Kind is SourceKind.Model)
        {
            id = "model:" + pipeline.Name;
            _nodes[id] = new LineageNode(id, "model", pipeline.Name, On: spec!.On is RunOn.Commit ? "commit" : null, Schedule: pipeline.Schedule);
            _reads[id] = pipeline.Inputs;
            foreach (var input in pipeline.Inputs)
            {
                _edges.Add(new LineageEdge(DatasetOf(input), id));
                Listed(_readers, input).Add(id);
            }
        }
        else
        {
            id = "pipeline:" + pipeline.Name;
            var kind = source?.Kind is { } k ? k.ToString().ToLowerInvariant() : null;
            _nodes[id] = new LineageNode(id, "pipeline", pipeline.Name, SourceKind: kind, Schedule: pipeline.Schedule);
            var sourceId = SourceId(pipeline.Name);
            _nodes[sourceId] = new LineageNode(sourceId, "source", source is null ? "unknown" : SourceDisplay.Where(source), SourceKind: kind);
            _edges.Add(new LineageEdge(sourceId, id));
            _reads[id] = [];
        }

        _writes[id] = pipeline.Dataset;
        _edges.Add(new LineageEdge(id, target));
        Listed(_writers, pipeline.Dataset).Add(id);
    }

    /// <summary>The dataset's node id, adding a node without catalog facts when only specs name it.</summary>
    private string DatasetOf(string name)
    {
        var id = DatasetId(name);
        _nodes.TryAdd(id, new LineageNode(id, "dataset", name));
        return id;
    }

    private static List<string> Listed(Dictionary<string, List<string>> index, string key)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        return list;
    }
}
