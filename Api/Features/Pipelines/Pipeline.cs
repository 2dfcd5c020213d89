using System.Text.Json;
using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Pipelines;

/// <summary>A pipeline as the Api shows it: its current version with the spec as JSON.</summary>
/// <param name="Spec">The parsed spec (snake_case keys, the same model as the spec files), whichever format it was sent in.</param>
/// <param name="Format">The format it was sent in: <c>yaml</c> or <c>json</c>.</param>
public sealed record Pipeline(
    string Name,
    int Version,
    string Dataset,
    string? Schedule,
    bool Enabled,
    string Format,
    JsonElement Spec,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static Pipeline From(PipelineRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var spec = JsonDocument.Parse(record.SpecJson);
        return new Pipeline(record.Name, record.Version, record.Dataset, record.Schedule, record.Enabled, record.Format,
            spec.RootElement.Clone(), record.CreatedAt, record.UpdatedAt);
    }
}
