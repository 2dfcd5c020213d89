using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;
using Npgsql;
using RoleNames = Ductus.Core.Auth.Roles;

namespace Ductus.Api.Features.Workspaces.Create;

/// <summary>
/// Creates a workspace with a first admin key inside it. Since every key acts only in its own
/// workspace, that key is the only way into the new one.
/// </summary>
public sealed class Endpoint(NpgsqlDataSource db, ApiClientStore clients, TimeProvider time) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/api/workspaces");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Workspaces")
            .Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status403Forbidden)
            .ProducesProblemDetails(StatusCodes.Status409Conflict));
        Summary(s =>
        {
            s.Summary = "Create a workspace and its first admin key";
            s.Description = "Only admins of the default workspace (the operators) may create workspaces. The key's secret is shown once.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (User.WorkspaceId() != ApiClientStore.DefaultWorkspaceId)
        {
            await Send.ForbiddenAsync(ct);
            return;
        }

        var actor = User.Actor();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var id = Guid.CreateVersion7();
        var createdAt = time.GetUtcNow();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", connection, tx))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(req.Name);
            insert.Parameters.AddWithValue(createdAt);
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                AddError(r => r.Name, $"A workspace named '{req.Name}' already exists.");
                await Send.ErrorsAsync(StatusCodes.Status409Conflict, ct);
                return;
            }
        }

        var (key, secret) = await clients.CreateAsync(connection, tx, id,
            new NewApiClient($"{req.Name} admin", $"First admin key, created with the workspace by {actor}.", [RoleNames.Admin], null), actor, ct);
        // CreateAsync left the transaction acting for the new workspace: its key's row first,
        // then back to the operator's workspace for the workspace's own row.
        await AuditLog.WriteAsync(connection, tx, id, HttpContext.Audit(AuditActions.KeyCreated, key.ClientId, after: new { key.Id, key.Name, key.Roles }), ct);
        // Its hash masks' salt comes with it (older workspaces get theirs at their first masked read).
        await PiiSalts.EnsureAsync(connection, tx, id, ct);
        await WorkspaceScope.ActForAsync(connection, tx, User.WorkspaceId(), ct);
        await AuditLog.WriteAsync(connection, tx, User.WorkspaceId(), HttpContext.Audit(AuditActions.WorkspaceCreated, req.Name, after: new { id }), ct);
        await tx.CommitAsync(ct);

        await Send.ResponseAsync(new Response(id, req.Name, createdAt, new AdminKey(key.Id, key.ClientId, secret)), StatusCodes.Status201Created, ct);
    }
}
