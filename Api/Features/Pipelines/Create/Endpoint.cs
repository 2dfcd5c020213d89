using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Ductus.Core.Sources;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Create;

public sealed class Endpoint(CatalogStore catalog, SourceAccess sources, RunNotifier notifier) : SpecEndpoint<Pipeline>(sources)
{
    public override void Configure()
    {
        Post("/api/pipelines");
        DescribeSpec(
            "Create a pipeline from a spec",
            "The body is the spec as JSON (`application/json`) or YAML (`application/yaml`), snake_case keys as in the spec files. " +
                "A spec with errors is refused with every error, each named by its path (e.g. `contract.columns.delay.min`). " +
                "Local source paths must lie inside the configured source roots.",
            StatusCodes.Status201Created,
            StatusCodes.Status409Conflict);
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        if (await ReadValidSpecAsync(ct) is not { Spec: { } spec } body)
        {
            return;
        }

        var workspace = User.WorkspaceId();
        if (await catalog.Pipelines.GetAsync(workspace, spec.Name, ct) is not null)
        {
            ValidationFailures.Add(new("name", $"A pipeline named '{spec.Name}' already exists; update it with PUT /api/pipelines/{spec.Name}."));
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        Pipeline saved;
        try
        {
            saved = await body.SaveAsync(catalog, notifier, HttpContext, spec.Name, ct);
        }
        catch (ArchivedNameException archived)
        {
            ValidationFailures.Add(new("name", archived.Message));
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        await Send.CreatedAtAsync<Show.Endpoint>(new { name = spec.Name }, saved, cancellation: ct);
    }
}
