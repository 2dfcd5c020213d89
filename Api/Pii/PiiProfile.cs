using Ductus.Api.Features.Lineage;
using Ductus.Core.Catalog;
using Ductus.Core.Pii;
using Ductus.Core.Specs;

namespace Ductus.Api.Pii;

/// <summary>
/// Which columns of a workspace's datasets are personal data, from its saved specs: a column is
/// PII when the contract of the pipeline or model writing it classifies it, or, unless that
/// contract says <c>pii: false</c>, when it is made from a PII column one hop up (a model's SQL
/// or transform, traced by <see cref="ColumnTracer"/>), recursively. A derived column keeps its
/// upstream's class and mask (a custom expression, written for the upstream's column names,
/// becomes <c>hash</c>). A model column whose lineage is not resolved is PII when any input of
/// its model has PII: an over-wide answer only masks more.
/// </summary>
public sealed class PiiProfile
{
    private readonly ColumnTracer _tracer;
    private readonly Dictionary<string, IReadOnlyList<PiiColumn>> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _resolving = new(StringComparer.OrdinalIgnoreCase);

    public PiiProfile(IEnumerable<PipelineRecord> pipelines, IEnumerable<DatasetRecord> datasets) =>
        _tracer = new ColumnTracer(pipelines, datasets);

    /// <summary>The PII columns of <paramref name="dataset"/>; empty when it has none.</summary>
    /// <remarks>
    /// One profile serves concurrent requests (<see cref="PiiAccess"/> keeps it while the catalog
    /// is unchanged), so its memo and the tracer are used under one lock, which the recursion
    /// into upstream datasets re-enters.
    /// </remarks>
    public IReadOnlyList<PiiColumn> Of(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        lock (_known)
        {
            if (_known.TryGetValue(dataset, out var known))
            {
                return known;
            }

            // Saving refuses cycles; this only keeps a catalog edited by hand from looping.
            if (!_resolving.Add(dataset))
            {
                return [];
            }

            var found = Resolve(dataset);
            _resolving.Remove(dataset);
            return _known[dataset] = found;
        }
    }

    /// <summary>The PII columns of each of <paramref name="datasets"/> that has any.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>> Of(IEnumerable<string> datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        return datasets.Select(d => (Dataset: d, Columns: Of(d))).Where(d => d.Columns.Count > 0)
            .ToDictionary(d => d.Dataset, d => d.Columns, StringComparer.OrdinalIgnoreCase);
    }

    private List<PiiColumn> Resolve(string dataset)
    {
        var writers = _tracer.Writers(dataset);
        var declared = writers.SelectMany(w => w.Spec?.Contract?.Columns ?? [])
            .GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var lineage = _tracer.Columns(dataset);
        var modelInputsHavePii = writers.Any(w => w.Spec?.Source.Kind is SourceKind.Model && w.Record.Inputs.Any(i => Of(i).Count > 0));

        var result = new List<PiiColumn>();
        var names = lineage.Columns.Select(c => c.Name).Concat(declared.Keys).Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (declared.TryGetValue(name, out var contract) && (contract.Pii is false || PiiClassification.Of(contract) is not null))
            {
                if (PiiClassification.Of(contract) is { } classification)
                {
                    result.Add(new PiiColumn(name, classification, contract.Mask ?? PiiMasks.Default));
                }

                continue;
            }

            var column = lineage.Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            var upstream = column?.Upstream
                .Where(u => u.Dataset is not null)
                .Select(u => Of(u.Dataset!).FirstOrDefault(p => string.Equals(p.Column, u.Column, StringComparison.OrdinalIgnoreCase)))
                .FirstOrDefault(p => p is not null);
            if (upstream is not null)
            {
                result.Add(new PiiColumn(name, upstream.Classification, upstream.Kind == PiiMaskKind.Expression ? PiiMasks.Default : upstream.Mask));
            }
            else if (column?.Unknown is not null && modelInputsHavePii)
            {
                result.Add(new PiiColumn(name, PiiClassification.Other, PiiMasks.Default));
            }
        }

        return result;
    }
}
