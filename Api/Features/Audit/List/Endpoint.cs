using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;
using Npgsql;

namespace Ductus.Api.Features.Audit.List;

public sealed class Endpoint(NpgsqlDataSource db) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/audit");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Audit").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "The audit log of the caller's workspace, newest first";
            s.Description = "Who changed what and when: keys created and revoked, workspaces created. Paged with `before`.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        // One row more than asked tells whether another page exists.
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, User.WorkspaceId(), ct);
        await using var _ = connection;
        await using var __ = tx;
        await using var command = new NpgsqlCommand("""
            SELECT id, actor, action, target, details::text, at FROM audit_log
             WHERE workspace_id = $1 AND ($2::bigint IS NULL OR id < $2)
             ORDER BY id DESC
             LIMIT $3
            """, connection, tx);
        command.Parameters.AddWithValue(User.WorkspaceId());
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)req.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(req.Limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<Entry>();
        while (await reader.ReadAsync(ct))
        {
            using var details = JsonDocument.Parse(reader.GetString(4));
            items.Add(new Entry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                details.RootElement.Clone(), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        var more = items.Count > req.Limit;
        if (more)
        {
            items.RemoveAt(items.Count - 1);
        }

        await Send.OkAsync(new Response(items, more ? items[^1].Id : null), ct);
    }
}
