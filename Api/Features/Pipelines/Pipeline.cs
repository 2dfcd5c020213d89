using System.Text.Json;
using System.Text.Json.Serialization;
using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Pipelines;

/// <summary>A pipeline as the Api shows it: its current version with the spec as JSON.</summary>
/// <param name="Spec">The parsed spec (snake_case keys, the same model as the spec files), whichever format it was sent in.</param>
/// <param name="Format">The format it was sent in: <c>yaml</c> or <c>json</c>.</param>
/// <param name="Enabled">False while its schedule is paused (<c>PATCH /api/pipelines/{name}</c>); runs can still be triggered.</param>
/// <param name="NextRunAt">When the clustered scheduler fires the pipeline's schedule next (UTC); null when it will not, and then <paramref name="NextRunNote"/> says why.</param>
/// <param name="NextRunNote">Why there is no next scheduled run: no schedule, disabled, not yet picked up by the scheduler, or no future time.</param>
/// <param name="Description">The spec's <c>description</c>, also its dataset's.</param>
/// <param name="Owner">The spec's <c>owner</c>: who answers for the pipeline and its dataset.</param>
/// <param name="Tags">The spec's <c>tags</c>.</param>
/// <param name="NextFireAt">When the schedule fires next by its cron expression alone (UTC, as the scheduler reads it); null when unscheduled or disabled. Unlike <paramref name="NextRunAt"/> it does not wait for the scheduler to pick a change up.</param>
public sealed record Pipeline(
    string Name,
    int Version,
    string Dataset,
    string? Description,
    string? Owner,
    IReadOnlyList<string> Tags,
    string? Schedule,
    bool Enabled,
    string Format,
    JsonElement Spec,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextRunAt,
    string? NextRunNote,
    DateTimeOffset? NextFireAt)
{
    /// <summary>Only on the answer to a create or update: what the saved spec should still look at (<see cref="SpecWarning"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SpecWarning>? Warnings { get; init; }

    /// <param name="trigger">The pipeline's cron trigger as the scheduler holds it, if it has one.</param>
    public static Pipeline From(PipelineRecord record, ScheduledTrigger? trigger, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var spec = JsonDocument.Parse(record.SpecJson);
        var (next, note) = NextRun(record, trigger);
        var root = spec.RootElement;
        return new Pipeline(record.Name, record.Version, record.Dataset,
            Text(root, "description"), Text(root, "owner"),
            root.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array ? [.. tags.EnumerateArray().Select(t => t.GetString() ?? "")] : [],
            record.Schedule, record.Enabled, record.Format,
            spec.RootElement.Clone(), record.CreatedAt, record.UpdatedAt, next, note,
            record.Enabled ? CronSchedule.NextAfter(record.Schedule, now) : null);
    }

    /// <summary>The pipeline as saved and as scheduled now, from the catalog.</summary>
    public static async Task<Pipeline?> LoadAsync(CatalogStore catalog, Guid workspace, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (await catalog.Pipelines.GetAsync(workspace, name, ct) is not { } record)
        {
            return null;
        }

        var triggers = await catalog.Pipelines.ListScheduledTriggersAsync(workspace, ct);
        return From(record, triggers.FirstOrDefault(t => t.Pipeline == name), catalog.Time.GetUtcNow());
    }

    private static string? Text(JsonElement spec, string key) =>
        spec.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static (DateTimeOffset? Next, string? Note) NextRun(PipelineRecord record, ScheduledTrigger? trigger)
    {
        if (string.IsNullOrWhiteSpace(record.Schedule))
        {
            return (null, "no schedule: the spec has no `schedule`; the pipeline runs only when triggered");
        }

        if (!record.Enabled)
        {
            return (null, "disabled: its schedule is paused; resume it with PATCH /api/pipelines/" + record.Name + " {\"enabled\": true}");
        }

        if (trigger is null || trigger.Cron != record.Schedule)
        {
            // The Pipelines service syncs a change within a second of the notice, or at its next sweep.
            return (null, "pending: the scheduler has not picked up this schedule yet (it does within a second while the Pipelines service runs)");
        }

        return trigger.State switch
        {
            "ERROR" => (null, "error: the scheduler put this trigger in error; it is rescheduled at the next sweep"),
            "PAUSED" or "PAUSED_BLOCKED" => (null, "paused in the scheduler"),
            _ when trigger.NextFireAt is null => (null, $"finished: the cron expression '{record.Schedule}' has no future time"),
            _ => (trigger.NextFireAt, null),
        };
    }
}
