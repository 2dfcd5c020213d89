using System.Text.Json;

namespace Ductus.Api.Features.Audit.List;

/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record Response(IReadOnlyList<Entry> Items, long? NextBefore);

/// <param name="Details">The change summarised: <c>before</c> and <c>after</c> (versions, counts, the spec keys that changed), never whole specs.</param>
/// <param name="RequestId">The trace id of the request that made the change; null for the scheduler's and retention's own changes.</param>
/// <param name="Archived">True once retention moved the row to the archive (<c>Ductus:Retention:AuditMaxAge</c>); it reads the same.</param>
public sealed record Entry(long Id, string Actor, string Action, string Target, JsonElement Details, DateTimeOffset At, string? RequestId, bool Archived);
