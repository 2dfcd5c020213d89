using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Pii;

namespace Ductus.Core.Contracts;

/// <summary>
/// Body of <see cref="AnalyticsRoutes.Query"/>. The workspace is not in it: it comes from the Api's
/// service token (<see cref="ServiceToken"/>), so a body cannot name another workspace.
/// </summary>
/// <param name="Versions">Dataset → snapshot version to read; a dataset not named is read at its current snapshot.</param>
/// <param name="Format">A <see cref="QueryResultFormat"/> by name (<see cref="QueryResultFormats.Parse"/>); null is JSON.</param>
/// <param name="Masks">
/// Dataset → its PII columns, for a caller without <c>pii:read</c>: the worker's view of each
/// dataset masks them (<see cref="PiiMasks"/>), so the statement never sees the values. Null or
/// empty: nothing is masked.
/// </param>
/// <param name="PiiRead">For a caller with <c>pii:read</c> whose statement returns PII: the audit row the worker writes once the result is out.</param>
public sealed record InternalQueryRequest(
    string Sql,
    IReadOnlyDictionary<string, JsonElement>? Parameters,
    IReadOnlyDictionary<string, long>? Versions,
    int? Limit,
    string? Format,
    int? TimeoutMs,
    IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>>? Masks = null,
    PiiReadAudit? PiiRead = null);

/// <summary>Who read which PII columns unmasked; the worker adds the versions read, the row count and the statement's SHA-256.</summary>
/// <param name="Columns"><c>dataset.column</c> of each PII column the result is made from.</param>
/// <param name="RequestId">The Api request's trace id, as every audit row names it.</param>
public sealed record PiiReadAudit(string Actor, IReadOnlyList<string> Columns, string? RequestId);
