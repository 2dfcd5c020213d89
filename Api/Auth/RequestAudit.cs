using System.Diagnostics;
using Ductus.Core.Catalog;

namespace Ductus.Api.Auth;

/// <summary>Audit entries for changes the Api makes on a caller's behalf.</summary>
public static class RequestAudit
{
    /// <summary>An entry naming the caller (its token's <c>sub</c>) and this request.</summary>
    public static AuditEntry Audit(this HttpContext http, string action, string target, object? before = null, object? after = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new AuditEntry(http.User.Actor(), action, target, before, after, RequestId(http));
    }

    /// <summary>
    /// The trace id of the request's activity, which leads to its logs and spans; the server's
    /// request id when tracing is off, and outside a request only the activity's.
    /// </summary>
    public static string? RequestId(HttpContext? http = null) =>
        Activity.Current is { } activity ? activity.TraceId.ToHexString() : http?.TraceIdentifier;
}
