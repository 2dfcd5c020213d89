using System.Text.Json;

namespace Ductus.Core.Catalog;

/// <summary>
/// A pipeline was created, changed, enabled, disabled or deleted: published on
/// <see cref="Contracts.RedisChannels.PipelineChanged"/> by whoever changed it, so every Pipelines node brings that pipeline's
/// Quartz job and trigger in step with the catalog at once. The catalog row is the truth and the
/// nodes also sweep every workspace periodically, so a lost message only delays the change.
/// </summary>
public sealed record PipelineChange(Guid WorkspaceId, string Pipeline)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <summary>The notice in <paramref name="json"/>, or null when it is not one (nothing to sync).</summary>
    public static PipelineChange? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PipelineChange>(json, JsonSerializerOptions.Web) is { Pipeline.Length: > 0 } change ? change : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
