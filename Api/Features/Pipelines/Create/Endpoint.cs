using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Create;

public sealed class Endpoint(CatalogStore catalog, SourceAccess sources, RunNotifier notifier) : EndpointWithoutRequest<Pipeline>
{
    public override void Configure()
    {
        Post("/api/pipelines");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .AcceptsSpec()
            .Produces<Pipeline>(StatusCodes.Status201Created, "application/json")
            .ProducesProblemDetails(StatusCodes.Status409Conflict), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Create a pipeline from a spec";
            s.Description = "The body is the spec as JSON (`application/json`) or YAML (`application/yaml`), snake_case keys as in the spec files. " +
                "A spec with errors is refused with every error, each named by its path (e.g. `contract.columns.delay.min`). " +
                "Local source paths must lie inside the configured source roots.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var body = await SpecBody.ReadAsync(HttpContext.Request, sources, ct);
        if (body is null)
        {
            ValidationFailures.Add(new(SpecEndpoints.ContentTypeField, SpecEndpoints.UnsupportedMediaType));
            await Send.ErrorsAsync(StatusCodes.Status415UnsupportedMediaType, ct);
            return;
        }

        if (!body.IsValid)
        {
            ValidationFailures.AddSpecErrors(body);
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        var spec = body.Spec!;
        var workspace = User.WorkspaceId();
        if (await catalog.GetPipelineAsync(workspace, spec.Name, ct) is not null)
        {
            ValidationFailures.Add(new("name", $"A pipeline named '{spec.Name}' already exists; update it with PUT /api/pipelines/{spec.Name}."));
            await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
            return;
        }

        await catalog.SavePipelineAsync(workspace, spec.Name, SpecWriter.ToJson(spec, indented: false), body.Text, body.Format,
            spec.Schedule, spec.Target.Dataset, ct);
        await notifier.PipelineChangedAsync(workspace, spec.Name);
        var saved = await Pipeline.LoadAsync(catalog, workspace, spec.Name, ct);
        await Send.CreatedAtAsync<Show.Endpoint>(new { name = spec.Name }, saved!, cancellation: ct);
    }
}
