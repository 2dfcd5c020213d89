using System.Linq.Expressions;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;

namespace Ductus.Api.Features.Lineage;

/// <summary>What a lineage answer is worked out from: the workspace's saved specs and catalog, and the graph they make.</summary>
public sealed record LineageInputs(IReadOnlyList<PipelineRecord> Pipelines, IReadOnlyList<DatasetRecord> Datasets, LineageGraph Graph);

/// <summary>
/// A lineage view of one dataset. Every view reads the same inputs and refuses a name that no
/// dataset, pipeline target or model input of the caller's workspace uses, in the same words.
/// </summary>
public abstract class LineageEndpoint<TRequest, TResponse>(CatalogStore catalog) : LookupEndpoint<TRequest, TResponse>
    where TRequest : notnull
{
    protected void ConfigureLineage(string route, string summary, string description)
    {
        Get(route);
        // Lineage shows names, columns and where sources read: what an analyst already sees one by one in datasets and specs.
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Lineage")
            .ProducesAuthFailures()
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .ProducesProblemDetails(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = summary;
            s.Description = description;
        });
    }

    /// <summary>The inputs, or null once a 404 naming <paramref name="field"/> was answered.</summary>
    protected async Task<LineageInputs?> LoadAsync(string dataset, Expression<Func<TRequest, object?>> field, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var pipelines = await catalog.Pipelines.ListAsync(workspace, ct);
        var datasets = await catalog.Datasets.ListAsync(workspace, ct);
        var graph = LineageGraph.Build(pipelines, datasets);
        // Names of other workspaces answer the same as names nobody uses.
        return await FoundOr404Async(graph.Contains(dataset) ? new LineageInputs(pipelines, datasets, graph) : null, field,
            $"No dataset '{dataset}' in your workspace: no dataset, pipeline target or model input has this name.", ct);
    }
}
