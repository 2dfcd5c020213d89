using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Contracts;
using FastEndpoints;
using FluentValidation.Results;

namespace Ductus.Api.Features.Datasets.Aggregate;

/// <summary>
/// Group-by, metrics, time buckets and filters as JSON, compiled to one SELECT (column names
/// checked against the catalog and quoted, values bound as parameters) and then run exactly like
/// <c>POST /api/query</c>: same guard, sandbox, formats and cache.
/// </summary>
public sealed class Endpoint(QueryRunner runner) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("/api/datasets/{name}/aggregate");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets").ProducesQueryResult().ProducesProblemDetails(StatusCodes.Status504GatewayTimeout));
        Summary(s =>
        {
            s.Summary = "Aggregate a dataset: group-by, metrics, time buckets, filters";
            s.Description = $"Compiled to SQL and run like POST /api/query (formats by Accept, cached by snapshot version, {DuctusHeaders.Cache} header). "
                + "Each mistake is a 400 naming its field, e.g. metrics[1].column.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var scope = await runner.ScopeAsync(User, ct);
        if (!scope.Datasets.TryGetValue(req.Name, out var dataset))
        {
            // Datasets of other workspaces answer the same as datasets that do not exist.
            ThrowError(r => r.Name, "No dataset with this name in your workspace.", StatusCodes.Status404NotFound);
        }

        var (query, errors) = AggregateCompiler.Compile(dataset.Name, dataset.Columns, req);
        if (query is null)
        {
            ValidationFailures.AddRange(errors.Select(e => new ValidationFailure(e.Field, e.Reason)));
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        if (await runner.RunAsync(HttpContext, scope, query.Sql, query.Parameters, QueryScope.Pin(dataset.Name, req.Version), req.Limit, ct) is { } refusal)
        {
            // The compiler only writes what the guard accepts; reaching this is a bug, not the caller's mistake.
            throw new InvalidOperationException($"The compiled aggregate was refused: {refusal}");
        }
    }
}
