using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Update;

public sealed class Endpoint(CatalogStore catalog, SourceAccess sources, RunNotifier notifier) : EndpointWithoutRequest<Pipeline>
{
    public override void Configure()
    {
        Put("/api/pipelines/{name}");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .AcceptsSpec()
            .Produces<Pipeline>(StatusCodes.Status200OK, "application/json")
            .ProducesProblemDetails(StatusCodes.Status404NotFound), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Replace a pipeline's spec";
            s.Description = "Saves the spec as the pipeline's next version (an unchanged spec keeps its version). " +
                "The spec's `name` must be the name in the path. Same formats and errors as creating a pipeline.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var name = Route<string>("name")!;
        var workspace = User.WorkspaceId();
        if (await catalog.GetPipelineAsync(workspace, name, ct) is null)
        {
            ValidationFailures.Add(new("name", "No pipeline with this name in your workspace."));
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        var body = await SpecBody.ReadAsync(HttpContext.Request, sources, ct);
        if (body is null)
        {
            ValidationFailures.Add(new(SpecEndpoints.ContentTypeField, SpecEndpoints.UnsupportedMediaType));
            await Send.ErrorsAsync(StatusCodes.Status415UnsupportedMediaType, ct);
            return;
        }

        ValidationFailures.AddSpecErrors(body);
        if (body.Spec is { } named && !string.IsNullOrWhiteSpace(named.Name) && named.Name != name)
        {
            // Renaming would orphan the pipeline's runs and watermark: create a new pipeline instead.
            ValidationFailures.Add(new("name", $"must be '{name}', the pipeline being updated (was '{named.Name}')"));
        }

        if (ValidationFailures.Count > 0)
        {
            await Send.ErrorsAsync(StatusCodes.Status400BadRequest, ct);
            return;
        }

        var spec = body.Spec!;
        await catalog.SavePipelineAsync(workspace, name, SpecWriter.ToJson(spec, indented: false), body.Text, body.Format,
            spec.Schedule, spec.Target.Dataset, ct);
        await notifier.PipelineChangedAsync(workspace, name);
        await Send.OkAsync((await Pipeline.LoadAsync(catalog, workspace, name, ct))!, ct);
    }
}
