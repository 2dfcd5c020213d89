using System.Text.Json;
using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;
using Npgsql;
using NpgsqlTypes;

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
            s.Description = "Who changed what and when: pipelines, runs, datasets, keys, workspaces and sessions (docs/governance.md " +
                "lists the actions), including the rows retention moved to the archive (`archived`). " +
                "Filtered by `action`, `actor`, `target` and the time range `from`..`to`; paged with `before`. " +
                "An unknown action or an empty time range is a 400 naming the parameter.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(db, User.WorkspaceId(), ct);
        await using var _ = connection;
        await using var __ = tx;
        // Retention moves old rows to audit_archive with their ids, so one id cursor pages through both:
        // the trail reads whole however much of it was archived.
        await using var command = new NpgsqlCommand("""
            SELECT id, actor, action, target, details::text, at, request_id, archived
              FROM (SELECT id, workspace_id, actor, action, target, details, at, request_id, false AS archived FROM audit_log
                    UNION ALL
                    SELECT id, workspace_id, actor, action, target, details, at, request_id, true FROM audit_archive) AS trail
             WHERE workspace_id = @ws AND (@before IS NULL OR id < @before)
               AND (@action IS NULL OR action = @action)
               AND (@actor IS NULL OR actor = @actor)
               AND (@target IS NULL OR target = @target)
               AND (@from IS NULL OR at >= @from)
               AND (@to IS NULL OR at < @to)
             ORDER BY id DESC
             LIMIT @limit
            """, connection, tx)
            .With("ws", User.WorkspaceId())
            .With("before", req.Before, NpgsqlDbType.Bigint)
            .With("action", req.Action, NpgsqlDbType.Text)
            .With("actor", req.Actor, NpgsqlDbType.Text)
            .With("target", req.Target, NpgsqlDbType.Text)
            .With("from", req.From, NpgsqlDbType.TimestampTz)
            .With("to", req.To, NpgsqlDbType.TimestampTz)
            .With("limit", req.Limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<Entry>();
        while (await reader.ReadAsync(ct))
        {
            using var details = JsonDocument.Parse(reader.GetString(4));
            items.Add(new Entry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                details.RootElement.Clone(), reader.GetFieldValue<DateTimeOffset>(5), reader.Nullable<string>(6), reader.GetBoolean(7)));
        }

        var nextBefore = req.TrimToPage(items, i => i.Id);
        await Send.OkAsync(new Response(items, nextBefore), ct);
    }
}
