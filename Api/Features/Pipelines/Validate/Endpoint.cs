using Ductus.Api.Auth;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Validate;

public sealed class Endpoint(SourceAccess sources) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Post("/api/pipelines/validate");
        Policies(PolicyNames.Engineer);
        Description(d => d.WithTags("Pipelines")
            .AcceptsSpec()
            .Produces<Response>(StatusCodes.Status200OK, "application/json"), clearDefaults: true);
        Summary(s =>
        {
            s.Summary = "Validate a spec without saving it";
            s.Description = "Checks a spec exactly as creating a pipeline would and reports every error with its path; nothing is stored.";
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

        await Send.OkAsync(new Response(true), ct);
    }
}
