using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Ductus.Core.Sources;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Update;

public sealed class Endpoint(CatalogStore catalog, SourceAccess sources, RunNotifier notifier) : SpecEndpoint<Pipeline>(sources)
{
    public override void Configure()
    {
        Put("/api/pipelines/{name}");
        DescribeSpec(
            "Replace a pipeline's spec",
            "Saves the spec as the pipeline's next version (an unchanged spec keeps its version). " +
                "The spec's `name` must be the name in the path. Same formats and errors as creating a pipeline.",
            StatusCodes.Status200OK,
            StatusCodes.Status404NotFound);
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var name = Route<string>("name")!;
        var workspace = User.WorkspaceId();
        if (await catalog.Pipelines.GetAsync(workspace, name, ct) is null)
        {
            ValidationFailures.Add(new("name", "No pipeline with this name in your workspace (an archived one must be restored first)."));
            await Send.ErrorsAsync(StatusCodes.Status404NotFound, ct);
            return;
        }

        if (await ReadSpecAsync(ct) is not { } body)
        {
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

        await Send.OkAsync(await body.SaveAsync(catalog, notifier, HttpContext, name, ct), ct);
    }
}
