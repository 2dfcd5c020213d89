namespace Ductus.Api.Features.Lineage;

/// <summary>The part of a workspace's dependency graph around one dataset.</summary>
/// <param name="Root">The id of the dataset asked about (<c>dataset:NAME</c>).</param>
/// <param name="Nodes">Every node reached, ordered by id.</param>
/// <param name="Edges">Every edge of the workspace's graph between two of <paramref name="Nodes"/>, in the direction data flows, ordered.</param>
public sealed record LineageView(string Root, IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges);

/// <summary>
/// A dataset, a pipeline, a model or the external source of a pipeline. Fields that do not apply
/// to a node's kind are null.
/// </summary>
/// <param name="Id"><c>dataset:NAME</c>, <c>pipeline:NAME</c>, <c>model:NAME</c> or <c>source:PIPELINE</c> (one source per pipeline).</param>
/// <param name="Kind"><c>dataset</c>, <c>pipeline</c> (reads an external source), <c>model</c> (reads datasets) or <c>source</c>.</param>
/// <param name="Name">The dataset's, pipeline's or model's name; for a source, where it reads: the relative path, the URL's host and path (never its query), the PostgreSQL connection's name, or <c>ingest API</c>.</param>
/// <param name="CurrentVersion">Datasets: the snapshot readers see; null before the first load or when only a pipeline targets it so far.</param>
/// <param name="RowCount">Datasets: rows of the current snapshot; null when the catalog has no such dataset yet.</param>
/// <param name="SourceKind">Pipelines and sources: <c>csv</c>, <c>json</c>, <c>ndjson</c>, <c>parquet</c>, <c>http</c>, <c>postgres</c> or <c>ingest</c>.</param>
/// <param name="On">Models: <c>commit</c> when a commit of an input starts a run; null otherwise.</param>
/// <param name="Schedule">Pipelines and models: the Quartz cron schedule (UTC); null when none.</param>
public sealed record LineageNode(
    string Id,
    string Kind,
    string Name,
    long? CurrentVersion = null,
    long? RowCount = null,
    string? SourceKind = null,
    string? On = null,
    string? Schedule = null);

/// <summary>Data flows from <paramref name="From"/> to <paramref name="To"/>.</summary>
public sealed record LineageEdge(string From, string To);
