using Ductus.Api.Auth;
using Ductus.Api.Query;
using Ductus.Core.Quoting;
using FastEndpoints;

namespace Ductus.Api.Features.Datasets.Preview;

/// <summary>The first rows of a dataset, through the same sandbox and cache as <c>POST /api/query</c>.</summary>
public sealed class Endpoint(QueryRunner runner) : Endpoint<Request>
{
    public override void Configure()
    {
        Get("/api/datasets/{name}/preview");
        Policies(PolicyNames.Analyst);
        Description(d => d.WithTags("Datasets").ProducesQueryResult());
        Summary(s =>
        {
            s.Summary = "Preview a dataset's first rows";
            s.Description = $"?limit= (default {Request.DefaultLimit}, at most {Request.MaxLimit}) and ?version= for an older snapshot; formats by Accept as for POST /api/query.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var scope = await runner.ScopeAsync(User, ct);
        if (!scope.Datasets.TryGetValue(req.Name, out var dataset))
        {
            ThrowError(r => r.Name, "No dataset with this name in your workspace.", StatusCodes.Status404NotFound);
        }

        var sql = $"SELECT * FROM {Sql.Ident(dataset.Name)}";
        if (await runner.RunAsync(HttpContext, scope, sql, null, QueryScope.Pin(dataset.Name, req.Version), req.Limit ?? Request.DefaultLimit, ct) is { } refusal)
        {
            throw new InvalidOperationException($"The preview statement was refused: {refusal}");
        }
    }
}
