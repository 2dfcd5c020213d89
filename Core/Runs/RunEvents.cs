using System.Text.Json;
using System.Text.Json.Serialization;
using Ductus.Core.Catalog;

namespace Ductus.Core.Runs;

/// <summary>
/// A moment of a run worth telling a watcher about: its status changed (read the catalog for
/// the new one), or a step started or finished. The catalog stays the truth; these only make
/// watching live, so losing one costs a watcher a poll interval, never a wrong answer.
/// </summary>
/// <param name="Type"><see cref="RunEventTypes.Status"/> or <see cref="RunEventTypes.Step"/>.</param>
/// <param name="State">For a step: <c>started</c>, <c>finished</c> or <c>failed</c>.</param>
/// <param name="Rows">For a finished step that counted rows: rows read (contract) or written (load).</param>
/// <param name="Milliseconds">For a finished or failed step: how long it took.</param>
/// <param name="Status">For a status event: the status it announces, lowercase.</param>
/// <param name="WorkspaceId">The run's workspace: when given, the event also goes to the workspace's channel (<see cref="Contracts.RedisChannels.WorkspaceRunEvents"/>).</param>
/// <param name="Pipeline">The run's pipeline, so a workspace-wide watcher can show a step without a catalog read.</param>
public sealed record RunEvent(
    Guid RunId,
    string Type,
    string? Step = null,
    string? State = null,
    long? Rows = null,
    long? Milliseconds = null,
    string? Status = null,
    Guid? WorkspaceId = null,
    string? Pipeline = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// How long a run's events stay readable after the last one in their stream
    /// (<see cref="Contracts.RedisChannels.RunEvents"/>), so a watcher that connects late or
    /// reconnects still gets them in order.
    /// </summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    /// <summary>A run reports a handful of events; the cap only bounds a misbehaving one.</summary>
    public const int MaxKept = 1000;

    /// <summary>The field of a stream entry that holds the event as JSON.</summary>
    public const string Field = "event";

    public static RunEvent ForStatus(Guid runId, RunStatus status, Guid? workspaceId = null, string? pipeline = null) =>
        new(runId, RunEventTypes.Status, Status: status.ToString().ToLowerInvariant(), WorkspaceId: workspaceId, Pipeline: pipeline);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Null for a message that is not a run event (a watcher skips it rather than failing).</summary>
    public static RunEvent? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<RunEvent>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public static class RunEventTypes
{
    public const string Status = "status";
    public const string Step = "step";
}
