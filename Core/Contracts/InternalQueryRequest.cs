using System.Text.Json;
using Ductus.Core.Auth;

namespace Ductus.Core.Contracts;

/// <summary>
/// Body of <see cref="AnalyticsRoutes.Query"/>. The workspace is not in it: it comes from the Api's
/// service token (<see cref="ServiceToken"/>), so a body cannot name another workspace.
/// </summary>
/// <param name="Versions">Dataset → snapshot version to read; a dataset not named is read at its current snapshot.</param>
/// <param name="Format">A <see cref="QueryResultFormat"/> by name (<see cref="QueryResultFormats.Parse"/>); null is JSON.</param>
public sealed record InternalQueryRequest(
    string Sql,
    IReadOnlyDictionary<string, JsonElement>? Parameters,
    IReadOnlyDictionary<string, long>? Versions,
    int? Limit,
    string? Format,
    int? TimeoutMs);
