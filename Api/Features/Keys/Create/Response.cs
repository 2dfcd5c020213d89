namespace Ductus.Api.Features.Keys.Create;

/// <param name="ClientSecret">Shown this once: only its hash is stored.</param>
public sealed record Response(
    Guid Id,
    string ClientId,
    string ClientSecret,
    string Name,
    string? Description,
    IReadOnlyList<string> Roles,
    int? RateLimit,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string> Grants);
