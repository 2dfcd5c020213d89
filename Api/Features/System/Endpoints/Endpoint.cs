using Ductus.Api.Auth;
using FastEndpoints;
using Microsoft.AspNetCore.Authorization;

namespace Ductus.Api.Features.System.Endpoints;

/// <summary>
/// Every route the Api serves, from ASP.NET Core's own endpoint table (FastEndpoints, health
/// checks, anything mapped later), with the authorization each one demands. Lets operators and
/// the security test see at a glance that nothing is open by accident.
/// </summary>
public sealed class Endpoint(EndpointDataSource endpoints, IAuthorizationPolicyProvider policies) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/system/endpoints");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("System").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s => s.Summary = "Every route with the authorization it requires");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        // A route with no authorization metadata of its own falls under the fallback policy.
        var covered = await policies.GetFallbackPolicyAsync() is not null;
        var routes = endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => new RouteInfo(
                "/" + (e.RoutePattern.RawText ?? string.Empty).TrimStart('/'),
                e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.ToList() ?? [],
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null || (!covered && !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any()),
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().Order().ToList()))
            .OrderBy(r => r.Route, StringComparer.Ordinal)
            .ToList();
        await Send.OkAsync(new Response(routes), ct);
    }
}
