using System.Security.Cryptography;
using System.Text;
using Ductus.Core.Catalog;
using Ductus.Core.Contracts;
using Npgsql;

namespace Ductus.Analytics.Query;

/// <summary>
/// Writes the <see cref="AuditActions.PiiRead"/> row of a statement that returned personal data
/// unmasked. The worker writes it, not the Api: only the worker knows how many rows went out.
/// </summary>
public sealed class PiiReadLog(NpgsqlDataSource db, ILogger<PiiReadLog> logger)
{
    /// <param name="read">The Api's part of the row; null when nothing unmasked was returned (no row then).</param>
    public async Task WriteAsync(Guid workspaceId, PiiReadAudit? read, QuerySession session, long rows)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (read is null)
        {
            return;
        }

        var datasets = read.Columns.Select(c => c[..Math.Max(0, c.IndexOf('.', StringComparison.Ordinal))]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var entry = new AuditEntry(read.Actor, AuditActions.PiiRead, string.Join(',', datasets), After: new
        {
            columns = read.Columns,
            versions = session.Versions,
            rows,
            sqlSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(session.Sql))),
        }, RequestId: read.RequestId);
        try
        {
            // The caller has the rows already; the request's own token must not stop the record of it.
            await AuditLog.WriteReadAsync(db, workspaceId, entry, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            logger.LogError(e, "The audit row of an unmasked PII read by {Actor} could not be written", read.Actor);
            throw;
        }
    }
}
