namespace Ductus.Api.Features.System.Endpoints;

public sealed record Response(IReadOnlyList<RouteInfo> Items);

/// <param name="Anonymous">True when a request without a token is let through.</param>
/// <param name="Policies">
/// Authorization policies the route declares (role names; FastEndpoints adds an <c>epPolicy:</c> of
/// its own). Empty for a route that declares none and so falls under the admin-only fallback policy.
/// </param>
public sealed record RouteInfo(string Route, IReadOnlyList<string> Methods, bool Anonymous, IReadOnlyList<string> Policies);
