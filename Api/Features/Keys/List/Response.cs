namespace Ductus.Api.Features.Keys.List;

public sealed record Response(IReadOnlyList<Key> Items);

/// <summary>An API key without its secret, which is never stored in readable form.</summary>
public sealed record Key(
    Guid Id,
    string ClientId,
    string Name,
    string? Description,
    IReadOnlyList<string> Roles,
    int? RateLimit,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt);
