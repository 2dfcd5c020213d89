using Ductus.Api.Auth;
using FastEndpoints;

namespace Ductus.Api.Features.Keys.List;

public sealed class Endpoint(ApiClientStore clients) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/keys");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Keys").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s => s.Summary = "List the API keys of the caller's workspace, revoked ones included, without secrets");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await Send.OkAsync(new Response(await clients.ListAsync(User.WorkspaceId(), ct)), ct);
    }
}
