using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;
using Npgsql;

namespace Ductus.Api.Features.Keys.Create;

/// <summary>Creates an API key in the caller's workspace and shows its secret once.</summary>
public sealed class Endpoint(NpgsqlDataSource db, ApiClientStore clients) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/api/keys");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Keys").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "Create an API key";
            s.Description = "The key belongs to the caller's workspace. The response holds the secret; it cannot be read again.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var workspace = User.WorkspaceId();
        var actor = User.Actor();
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, workspace, ct);
        await using var _ = connection;
        await using var __ = tx;
        var (client, secret) = await clients.CreateAsync(connection, tx, workspace,
            new NewApiClient(req.Name, req.Description, req.Roles, req.RateLimit, req.Grants), actor, ct);
        await AuditLog.WriteAsync(connection, tx, workspace,
            HttpContext.Audit(AuditActions.KeyCreated, client.ClientId, after: new { client.Id, client.Name, client.Roles, client.RateLimit, client.Grants }), ct);
        if (client.Grants.Count > 0)
        {
            // A key born with a grant is a grant change like any later one, and is found as one.
            await AuditLog.WriteAsync(connection, tx, workspace,
                HttpContext.Audit(AuditActions.GrantChanged, client.ClientId, before: new { grants = Array.Empty<string>() }, after: new { grants = client.Grants }), ct);
        }

        await tx.CommitAsync(ct);

        await Send.ResponseAsync(new Response(
            client.Id, client.ClientId, secret, client.Name, client.Description, client.Roles, client.RateLimit, client.CreatedAt, client.Grants),
            StatusCodes.Status201Created, ct);
    }
}
