namespace Ductus.Api.Features.Workspaces.List;

public sealed record Response(IReadOnlyList<Workspace> Items);

public sealed record Workspace(Guid Id, string Name, DateTimeOffset CreatedAt);
