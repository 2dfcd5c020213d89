using System.Text.Json;
using Ductus.Core.Lake;

namespace Ductus.Core.Catalog;

/// <summary>The jsonb shapes of the catalog: camelCase, so the API can pass them through.</summary>
internal static class CatalogJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Columns(IReadOnlyList<DatasetColumn> columns) => JsonSerializer.Serialize(columns, Options);

    public static IReadOnlyList<DatasetColumn> Columns(string json) =>
        JsonSerializer.Deserialize<List<DatasetColumn>>(json, Options) ?? [];

    public static string? SchemaChanges(SchemaChanges? changes) =>
        changes is null ? null : JsonSerializer.Serialize(changes, Options);

    public static SchemaChanges? SchemaChanges(string json) =>
        JsonSerializer.Deserialize<SchemaChanges>(json, Options);

    public static IReadOnlyList<string> Strings(string json) =>
        JsonSerializer.Deserialize<List<string>>(json, Options) ?? [];

    public static string Stats(IReadOnlyDictionary<string, ColumnStats>? stats) =>
        JsonSerializer.Serialize(stats ?? new Dictionary<string, ColumnStats>(), Options);

    public static IReadOnlyDictionary<string, ColumnStats> Stats(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, ColumnStats>>(json, Options) ?? [];

    /// <summary>Step durations as milliseconds: readable in SQL and in the API without a TimeSpan format.</summary>
    public static string Durations(IReadOnlyDictionary<string, TimeSpan>? durations) =>
        JsonSerializer.Serialize(
            (durations ?? new Dictionary<string, TimeSpan>()).ToDictionary(d => d.Key, d => d.Value.TotalMilliseconds),
            Options);

    public static IReadOnlyDictionary<string, TimeSpan> Durations(string json) =>
        (JsonSerializer.Deserialize<Dictionary<string, double>>(json, Options) ?? [])
            .ToDictionary(d => d.Key, d => TimeSpan.FromMilliseconds(d.Value));
}

internal static class CatalogNames
{
    public static string ToDb(RunStatus status) => status switch
    {
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus Status(string value) => value switch
    {
        "queued" => RunStatus.Queued,
        "running" => RunStatus.Running,
        "succeeded" => RunStatus.Succeeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => throw new InvalidOperationException($"Unknown run status '{value}' in the catalog."),
    };

    public static string ToDb(RunTrigger trigger) => trigger switch
    {
        RunTrigger.Manual => "manual",
        RunTrigger.Schedule => "schedule",
        RunTrigger.Replay => "replay",
        RunTrigger.Api => "api",
        RunTrigger.Upstream => "upstream",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
    };

    public static RunTrigger Trigger(string value) => value switch
    {
        "manual" => RunTrigger.Manual,
        "schedule" => RunTrigger.Schedule,
        "replay" => RunTrigger.Replay,
        "api" => RunTrigger.Api,
        "upstream" => RunTrigger.Upstream,
        _ => throw new InvalidOperationException($"Unknown run trigger '{value}' in the catalog."),
    };

    public static string ToDb(WriteMode mode) => mode switch
    {
        WriteMode.Append => "append",
        WriteMode.Replace => "replace",
        WriteMode.Merge => "merge",
        WriteMode.Incremental => throw new ArgumentOutOfRangeException(nameof(mode), mode, "An incremental model's run commits as append or replace."),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static SnapshotOperation Operation(string value) => value switch
    {
        "append" => SnapshotOperation.Append,
        "replace" => SnapshotOperation.Replace,
        "merge" => SnapshotOperation.Merge,
        "compact" => SnapshotOperation.Compact,
        "rollback" => SnapshotOperation.Rollback,
        _ => throw new InvalidOperationException($"Unknown snapshot operation '{value}' in the catalog."),
    };
}
