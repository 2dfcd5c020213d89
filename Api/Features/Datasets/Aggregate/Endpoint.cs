using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Catalog;
using Ductus.Core.Query;
using FastEndpoints;
using FluentValidation.Results;

namespace Ductus.Api.Features.Datasets.Aggregate;

/// <summary>
/// Group-by, metrics, time buckets and filters as JSON, compiled to one SELECT (column names
/// checked against the catalog and quoted, values bound as parameters) and then run exactly like
/// <c>POST /api/query</c>: same guard, sandbox, formats and cache.
/// </summary>
public sealed class Endpoint(CatalogStore catalog, QueryRunner runner) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("/api/datasets/{name}/aggregate");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets")
            .Produces<object>(StatusCodes.Status200OK, "application/json", "text/csv", "application/x-ndjson", "application/vnd.apache.parquet")
            .ProducesProblemDetails(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status404NotFound)
            .ProducesProblemDetails(StatusCodes.Status504GatewayTimeout));
        Summary(s =>
        {
            s.Summary = "Aggregate a dataset: group-by, metrics, time buckets, filters";
            s.Description = "Compiled to SQL and run like POST /api/query (formats by Accept, cached by snapshot version, X-Ductus-Cache header). "
                + "Each mistake is a 400 naming its field, e.g. metrics[1].column.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var datasets = (await catalog.ListDatasetsAsync(workspace, ct)).ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        if (!datasets.TryGetValue(req.Name, out var dataset))
        {
            // Datasets of other workspaces answer the same as datasets that do not exist.
            AddError(r => r.Name, "No dataset with this name in your workspace.");
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var (query, errors) = AggregateCompiler.Compile(dataset.Name, dataset.Columns, req.ToSpec());
        if (query is null)
        {
            ValidationFailures.AddRange(errors.Select(e => new ValidationFailure(e.Field, e.Reason)));
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        var versions = req.Version is { } version ? new Dictionary<string, long> { [dataset.Name] = version } : null;
        var workspaceName = User.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default";
        if (await runner.RunAsync(HttpContext, workspace, workspaceName, datasets, query.Sql, query.Parameters, versions, req.Limit, ct) is { } refusal)
        {
            // The compiler only writes what the guard accepts; reaching this is a bug, not the caller's mistake.
            throw new InvalidOperationException($"The compiled aggregate was refused: {refusal}");
        }
    }
}
