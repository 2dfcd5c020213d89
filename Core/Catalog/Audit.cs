using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// Action names written to <c>audit_log.action</c>, one per kind of change. docs/governance.md
/// has the table of what each records; a new kind of change adds its name here.
/// </summary>
public static class AuditActions
{
    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";
    public const string WorkspaceCreated = "workspace.created";
    public const string SessionStarted = "session.started";
    public const string SessionEnded = "session.ended";

    public const string PipelineCreated = "pipeline.created";
    public const string PipelineUpdated = "pipeline.updated";
    public const string PipelineArchived = "pipeline.archived";
    public const string PipelineRestored = "pipeline.restored";
    public const string PipelinePurged = "pipeline.purged";
    public const string PipelineEnabled = "pipeline.enabled";
    public const string PipelineDisabled = "pipeline.disabled";

    public const string RunTriggered = "run.triggered";
    public const string RunCancelled = "run.cancelled";
    public const string RunReplayed = "run.replayed";

    public const string DatasetArchived = "dataset.archived";
    public const string DatasetRestored = "dataset.restored";
    public const string DatasetPurged = "dataset.purged";
    public const string DatasetRolledBack = "dataset.rolled_back";

    /// <summary>A key's grants changed (<c>pii:read</c> given or taken), written with the change.</summary>
    public const string GrantChanged = "grant.changed";

    /// <summary>A statement returned personal data unmasked: who, which columns, which versions, how many rows, the SQL's SHA-256.</summary>
    public const string PiiRead = "pii.read";

    public static IReadOnlyList<string> All { get; } =
    [
        KeyCreated, KeyRevoked, WorkspaceCreated, SessionStarted, SessionEnded,
        PipelineCreated, PipelineUpdated, PipelineArchived, PipelineRestored, PipelinePurged, PipelineEnabled, PipelineDisabled,
        RunTriggered, RunCancelled, RunReplayed,
        DatasetArchived, DatasetRestored, DatasetPurged, DatasetRolledBack,
        GrantChanged, PiiRead,
    ];
}

/// <summary>Who made a change when it was not a caller of the Api (whose actor is its token's <c>sub</c>).</summary>
public static class AuditActors
{
    /// <summary>A cron trigger fired.</summary>
    public const string Schedule = "schedule";

    /// <summary>A model queued because a dataset it reads committed.</summary>
    public const string Upstream = "upstream";

    /// <summary>The retention job purged an item archived longer than <c>Ductus:Retention:ArchivedFor</c>.</summary>
    public const string Retention = "system:retention";

    /// <summary>
    /// A run the run engine created itself, not queued by the Api or the scheduler: one started
    /// from the command line (<c>Pipelines run &lt;spec&gt;</c>).
    /// </summary>
    public const string CommandLine = "cli";

    /// <summary>The bootstrap admin key (the AppHost's <c>admin-key</c> parameter) written at the Api's start.</summary>
    public const string Bootstrap = "system:bootstrap";

    /// <summary>A spec saved from the watched folder.</summary>
    public static string Folder(string file) => "folder:" + file;
}

/// <summary>
/// One change, as the audit log records it. <paramref name="Before"/> and <paramref name="After"/>
/// are short summaries (versions, counts, the keys that changed), never whole specs or data.
/// </summary>
/// <param name="Target">The pipeline, dataset, key or workspace changed.</param>
/// <param name="RequestId">The HTTP request's trace id, so a row leads to the request's logs and traces.</param>
public sealed record AuditEntry(string Actor, string Action, string Target, object? Before = null, object? After = null, string? RequestId = null);

/// <summary>
/// Writes audit rows. Always inside the transaction of the change recorded: the change and its
/// row commit or roll back together, so a change that fails leaves no row and none commits
/// without one.
/// </summary>
public static class AuditLog
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, AuditEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = new NpgsqlCommand("""
            INSERT INTO audit_log (workspace_id, actor, action, target, details, request_id)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, connection, transaction);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(entry.Actor);
        command.Parameters.AddWithValue(entry.Action);
        command.Parameters.AddWithValue(entry.Target);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Details(entry) });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)entry.RequestId ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Writes a row that records a read, not a change (<see cref="AuditActions.PiiRead"/>): there
    /// is no change to share a transaction with, so it commits on its own.
    /// </summary>
    public static async Task WriteReadAsync(NpgsqlDataSource db, Guid workspaceId, AuditEntry entry, CancellationToken ct)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await WriteAsync(tx.Connection, tx.Transaction, workspaceId, entry, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Writes <paramref name="entry"/> in <paramref name="tx"/>; nothing when there is none (a change no one asked for, e.g. a test's).</summary>
    internal static Task WriteAsync(WorkspaceTransaction tx, Guid workspaceId, AuditEntry? entry, CancellationToken ct) =>
        entry is null ? Task.CompletedTask : WriteAsync(tx.Connection, tx.Transaction, workspaceId, entry, ct);

    /// <summary>The same entry with its summaries filled in by the store that made the change.</summary>
    internal static AuditEntry? With(this AuditEntry? entry, object? before, object? after) =>
        entry is null ? null : entry with { Before = entry.Before ?? before, After = entry.After ?? after };

    /// <summary>
    /// The top-level keys of a spec that differ between two saved versions: a diff summary short
    /// enough for an audit row, that still says whether the schedule, source or contract moved.
    /// </summary>
    public static IReadOnlyList<string> ChangedKeys(string beforeJson, string afterJson)
    {
        using var before = JsonDocument.Parse(beforeJson);
        using var after = JsonDocument.Parse(afterJson);
        if (before.RootElement.ValueKind != JsonValueKind.Object || after.RootElement.ValueKind != JsonValueKind.Object)
        {
            return JsonElement.DeepEquals(before.RootElement, after.RootElement) ? [] : ["(spec)"];
        }

        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var property in before.RootElement.EnumerateObject())
        {
            if (!after.RootElement.TryGetProperty(property.Name, out var other) || !JsonElement.DeepEquals(property.Value, other))
            {
                keys.Add(property.Name);
            }
        }

        foreach (var property in after.RootElement.EnumerateObject())
        {
            if (!before.RootElement.TryGetProperty(property.Name, out _))
            {
                keys.Add(property.Name);
            }
        }

        return [.. keys];
    }

    private static string Details(AuditEntry entry)
    {
        var details = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (entry.Before is not null)
        {
            details["before"] = entry.Before;
        }

        if (entry.After is not null)
        {
            details["after"] = entry.After;
        }

        return JsonSerializer.Serialize(details, JsonSerializerOptions.Web);
    }
}
