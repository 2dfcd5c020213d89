using Ductus.Core.Sources;
using FastEndpoints;

namespace Ductus.Api.Features.Pipelines.Validate;

public sealed class Endpoint(SourceAccess sources) : SpecEndpoint<Response>(sources)
{
    public override void Configure()
    {
        Post("/api/pipelines/validate");
        DescribeSpec(
            "Validate a spec without saving it",
            "Checks a spec exactly as creating a pipeline would and reports every error with its path; nothing is stored.",
            StatusCodes.Status200OK);
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        if (await ReadValidSpecAsync(ct) is not null)
        {
            await Send.OkAsync(new Response(true), ct);
        }
    }
}
