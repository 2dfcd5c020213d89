using System.Text.Json;

namespace Ductus.Api.Features.Audit.List;

/// <param name="NextBefore">Pass as <c>before</c> for the next page; null on the last page.</param>
public sealed record Response(IReadOnlyList<Entry> Items, long? NextBefore);

public sealed record Entry(long Id, string Actor, string Action, string Target, JsonElement Details, DateTimeOffset At);
