using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Models;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Validate;

public sealed class Endpoint(CatalogStore catalog, SourceAccess sources) : SpecEndpoint<Response>(sources)
{
    public override void Configure()
    {
        Post("/api/pipelines/validate");
        DescribeSpec(
            "Validate a spec without saving it, and see what it would affect",
            "Checks a spec exactly as creating a pipeline would and reports every error with its path; nothing is stored. " +
            "A valid spec is answered with the datasets it reads (a model's inputs), the models downstream of its target dataset, " +
            "and warnings (columns whose names look like personal data but carry no classification).",
            StatusCodes.Status200OK);
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        if (await ReadValidSpecAsync(ct) is not { Spec: { } spec } body)
        {
            return;
        }

        var pipelines = await catalog.Pipelines.ListAsync(User.WorkspaceId(), ct);
        // Only an append pipeline's commits keep the models below it incremental: a changed model
        // rebuilds in full, so it replaces its dataset.
        var appendsOnly = spec.Target.Mode == WriteMode.Append;
        var downstream = ModelGraph.Downstream(spec.Target.Dataset, pipelines.Where(p => p.Name != spec.Name), appendsOnly)
            .Select(m => new AffectedModel(m.Pipeline.Name, m.Pipeline.Dataset, m.Distance, m.Incremental ? "incremental" : "full", m.OnCommit))
            .ToList();
        await Send.OkAsync(new Response(true, body.Inputs, downstream, body.Warnings), ct);
    }
}
