using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Specs;

namespace Ductus.Api.Features.Lineage;

/// <summary>The columns of one dataset and, for each, the columns one hop up that it is made from.</summary>
/// <param name="Writers">The pipelines and models writing the dataset (<c>pipeline:P</c>, <c>model:M</c>); empty when none does.</param>
public sealed record DatasetColumnLineage(string Dataset, IReadOnlyList<string> Writers, IReadOnlyList<ColumnLineageView> Columns);

/// <param name="Upstream">The columns it is made from, one hop up; empty for a literal, <c>count(*)</c> or a dataset nothing writes.</param>
/// <param name="Unknown">Why the lineage is not fully resolved (then <paramref name="Upstream"/> holds only what was found); null when it is.</param>
public sealed record ColumnLineageView(string Name, IReadOnlyList<UpstreamColumn> Upstream, string? Unknown);

/// <param name="Node"><c>dataset:NAME</c>, or <c>source:PIPELINE</c> for a column of a pipeline's external source.</param>
/// <param name="Dataset">The dataset's name; null for an external source's column.</param>
/// <param name="How"><c>direct</c> (the values as they are, possibly renamed) or <c>expression</c> (computed from them).</param>
public sealed record UpstreamColumn(string Node, string? Dataset, string Column, string How);

/// <summary>The column lineage of datasets of one dataset, and of those it is made from when asked for more hops.</summary>
public sealed record ColumnLineageAnswer(string Root, IReadOnlyList<DatasetColumnLineage> Datasets);

/// <summary>
/// Column lineage of a workspace's datasets from its saved specs and its catalog: a model's SQL
/// over its inputs, then its transform over <c>source</c>; a pipeline's transform over its
/// external source. A dataset's columns are its current snapshot's, else its writer's contract's,
/// else what its writer's SQL produces. Everything is computed per request, once per pipeline.
/// </summary>
public sealed class ColumnTracer
{
    private const string LakePrefix = "_ductus_";

    private readonly Dictionary<string, DatasetRecord> _datasets;
    private readonly Dictionary<string, List<(PipelineRecord Record, PipelineSpec? Spec)>> _writers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RelationLineage> _lineages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>?> _columns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolving = new(StringComparer.Ordinal);

    public ColumnTracer(IEnumerable<PipelineRecord> pipelines, IEnumerable<DatasetRecord> datasets)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        ArgumentNullException.ThrowIfNull(datasets);
        _datasets = datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var pipeline in pipelines.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            (_writers.TryGetValue(pipeline.Dataset, out var list) ? list : _writers[pipeline.Dataset] = []).Add((pipeline, SpecParser.ParseJson(pipeline.SpecJson).Spec));
        }
    }

    /// <summary>
    /// <paramref name="dataset"/>'s columns with their upstream columns, then, up to
    /// <paramref name="depth"/> hops, the upstream datasets with the columns reached (nearest first).
    /// </summary>
    public ColumnLineageAnswer Walk(string dataset, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var root = Trace(dataset, null);
        // Per dataset reached, in the order first reached: the columns asked for so far.
        var reached = new List<(string Dataset, HashSet<string> Columns)> { (dataset, new(root.Columns.Select(c => c.Name), StringComparer.OrdinalIgnoreCase)) };
        var frontier = root.Columns.SelectMany(c => c.Upstream).ToList();
        for (var hop = 1; hop < depth && frontier.Count > 0; hop++)
        {
            var next = new List<UpstreamColumn>();
            foreach (var group in frontier.Where(u => u.Dataset is not null).GroupBy(u => u.Dataset!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var index = reached.FindIndex(r => r.Dataset == group.Key);
                if (index < 0)
                {
                    reached.Add((group.Key, new(StringComparer.OrdinalIgnoreCase)));
                    index = reached.Count - 1;
                }

                var added = group.Select(u => u.Column).Where(reached[index].Columns.Add).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (added.Count > 0)
                {
                    next.AddRange(Trace(group.Key, added).Columns.SelectMany(c => c.Upstream));
                }
            }

            frontier = next;
        }

        return new(dataset, [root, .. reached.Skip(1).Select(r => Trace(r.Dataset, r.Columns))]);
    }

    /// <summary>Every column of <paramref name="dataset"/> with the columns one hop up it is made from.</summary>
    public DatasetColumnLineage Columns(string dataset) => Trace(dataset, null);

    /// <summary>The pipelines and models writing <paramref name="dataset"/>, with their saved specs (null for one that does not parse).</summary>
    public IReadOnlyList<(PipelineRecord Record, PipelineSpec? Spec)> Writers(string dataset) => _writers.GetValueOrDefault(dataset) ?? [];

    /// <param name="only">The columns to answer for; null for all of the dataset's.</param>
    private DatasetColumnLineage Trace(string dataset, IReadOnlySet<string>? only)
    {
        var writers = _writers.GetValueOrDefault(dataset) ?? [];
        var names = OwnColumns(dataset) ?? [];
        if (only is not null)
        {
            names = [.. names.Where(only.Contains).Concat(only.Where(o => !names.Contains(o, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))];
        }

        var columns = names.Select(name =>
        {
            var upstream = new List<UpstreamColumn>();
            string? unknown = null;
            foreach (var (record, _) in writers)
            {
                var origin = LineageOf(record).Of(name);
                unknown ??= origin.Unknown;
                upstream.AddRange(origin.Sources.Select(s => Upstream(record, s)));
            }

            return new ColumnLineageView(name, [.. upstream.Distinct()], unknown);
        });
        return new(dataset, [.. writers.Select(w => NodeOf(w.Record, w.Spec))], [.. columns]);
    }

    private static string NodeOf(PipelineRecord record, PipelineSpec? spec) =>
        (spec?.Source.Kind is SourceKind.Model ? "model:" : "pipeline:") + record.Name;

    private UpstreamColumn Upstream(PipelineRecord writer, ColumnSource source)
    {
        var how = source.How == ColumnDerivation.Direct ? "direct" : "expression";
        var isModel = _writers[writer.Dataset].First(w => w.Record.Name == writer.Name).Spec?.Source.Kind is SourceKind.Model;
        return isModel
            ? new UpstreamColumn(LineageGraph.DatasetId(source.Relation), source.Relation, source.Column, how)
            : new UpstreamColumn("source:" + writer.Name, null, source.Column, how);
    }

    /// <summary>The dataset's columns as readers see them: its snapshot's, else its writer's contract's, else what its writer produces.</summary>
    private List<string>? OwnColumns(string dataset)
    {
        if (_datasets.TryGetValue(dataset, out var record) && record.CurrentVersion is not null && record.Columns.Count > 0)
        {
            return [.. record.Columns.Select(c => c.Name).Where(n => !n.StartsWith(LakePrefix, StringComparison.OrdinalIgnoreCase))];
        }

        foreach (var (writer, spec) in _writers.GetValueOrDefault(dataset) ?? [])
        {
            if (spec?.Contract is { Columns.Count: > 0 } contract)
            {
                return [.. contract.Columns.Select(c => c.Name)];
            }

            if (LineageOf(writer) is { IsComplete: true } lineage)
            {
                return [.. lineage.Columns.Select(c => c.Column)];
            }
        }

        return null;
    }

    /// <summary>An input's columns for a model reading it; null when they are not known (a <c>*</c> then passes any name through).</summary>
    private IReadOnlyList<string>? InputColumns(string dataset)
    {
        if (_columns.TryGetValue(dataset, out var known))
        {
            return known;
        }

        // Saving refuses cycles; this only keeps a catalog edited by hand from looping.
        if (!_resolving.Add(dataset))
        {
            return null;
        }

        var columns = OwnColumns(dataset);
        _resolving.Remove(dataset);
        return _columns[dataset] = columns;
    }

    /// <summary>The lineage of what <paramref name="writer"/> writes, from the columns of what it reads.</summary>
    private RelationLineage LineageOf(PipelineRecord writer)
    {
        if (_lineages.TryGetValue(writer.Name, out var cached))
        {
            return cached;
        }

        var spec = _writers[writer.Dataset].First(w => w.Record.Name == writer.Name).Spec;
        RelationLineage lineage;
        if (spec is null)
        {
            lineage = RelationLineage.Unresolved("the saved spec does not parse");
        }
        else if (spec.Source.Kind is SourceKind.Model)
        {
            var inputs = writer.Inputs.ToDictionary(i => i, InputColumns, StringComparer.Ordinal);
            lineage = ColumnLineage.Analyze(ModelInputs.SelectOf(spec.Source), inputs);
            if (spec.Transform is { } transform)
            {
                var source = new Dictionary<string, IReadOnlyList<string>?> { ["source"] = lineage.IsComplete ? [.. lineage.Columns.Select(c => c.Column)] : null };
                lineage = ColumnLineage.Analyze(transform, source).Through("source", lineage);
            }
        }
        else
        {
            // A declared source schema is the whole of it; otherwise any name passes through a *.
            var declared = spec.Source.Columns.Count > 0 ? spec.Source.Columns.Select(c => c.Name).ToList() : null;
            lineage = ColumnLineage.Analyze(spec.Transform ?? "SELECT * FROM source", new Dictionary<string, IReadOnlyList<string>?> { ["source"] = declared });
        }

        return _lineages[writer.Name] = lineage;
    }
}
