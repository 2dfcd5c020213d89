using Ductus.Api.Auth;
using Ductus.Core.Catalog;
using FastEndpoints;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Api.Features.Alerts.Deliveries;

public sealed class Endpoint(NpgsqlDataSource db) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/api/alerts/deliveries");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("Alerts").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "Every attempt to deliver the workspace's alerts to its webhooks, newest first";
            s.Description = "One row per attempt: the alert, the webhook, the attempt number, the receiver's status code or the error, " +
                "and when (docs/operations.md, Webhooks). Filtered by `alertId` and `failed`; paged with `before`. " +
                "Kept for `Ductus:Retention:AlertDeliveriesMaxAge`.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, User.WorkspaceId(), WorkspaceRead.Query("""
            SELECT id, alert_id, kind, pipeline, dataset, webhook, attempt, status_code, error, delivered, duration_ms, at
              FROM alert_deliveries
             WHERE (@before IS NULL OR id < @before)
               AND (@alert IS NULL OR alert_id = @alert)
               AND (@failed IS NULL OR delivered = NOT @failed)
             ORDER BY id DESC
             LIMIT @limit
            """)
            .With("before", req.Before, NpgsqlDbType.Bigint)
            .With("alert", req.AlertId, NpgsqlDbType.Uuid)
            .With("failed", req.Failed, NpgsqlDbType.Boolean)
            .With("limit", req.Limit + 1), ct);
        var items = new List<Delivery>();
        var r = read.Reader;
        while (await r.ReadAsync(ct))
        {
            items.Add(new Delivery(r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetInt32(6), r.IsDBNull(7) ? null : r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetBoolean(9),
                r.GetInt32(10), r.GetFieldValue<DateTimeOffset>(11)));
        }

        var nextBefore = req.TrimToPage(items, i => i.Id);
        await Send.OkAsync(new Response(items, nextBefore), ct);
    }
}
