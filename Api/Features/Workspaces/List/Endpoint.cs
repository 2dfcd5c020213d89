using Ductus.Api.Auth;
using FastEndpoints;
using Npgsql;

namespace Ductus.Api.Features.Workspaces.List;

public sealed class Endpoint(NpgsqlDataSource db) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/workspaces");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Workspaces").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "List workspaces";
            s.Description = "Admins of the default workspace see every workspace; admins of any other see only their own.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var own = User.WorkspaceId();
        await using var command = db.CreateCommand("""
            SELECT id, name, created_at FROM workspaces
             WHERE $1 OR id = $2
             ORDER BY name
            """);
        command.Parameters.AddWithValue(own == ApiClientStore.DefaultWorkspaceId);
        command.Parameters.AddWithValue(own);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<Workspace>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(new Workspace(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        await Send.OkAsync(new Response(items), ct);
    }
}
