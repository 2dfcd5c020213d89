using Ductus.Api.Auth;

namespace Ductus.Api.Features.Keys.List;

/// <summary>The workspace's keys as the store lists them: never with a secret, which is not stored in readable form.</summary>
public sealed record Response(IReadOnlyList<ApiClient> Items);
