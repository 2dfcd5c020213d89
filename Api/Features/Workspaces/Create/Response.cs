namespace Ductus.Api.Features.Workspaces.Create;

/// <param name="AdminKey">The new workspace's first admin key; its secret is shown this once.</param>
public sealed record Response(Guid Id, string Name, DateTimeOffset CreatedAt, AdminKey AdminKey);

public sealed record AdminKey(Guid Id, string ClientId, string ClientSecret);
