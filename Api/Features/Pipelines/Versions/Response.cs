namespace Ductus.Api.Features.Pipelines.Versions;

public sealed record Response(IReadOnlyList<PipelineVersion> Items);

/// <summary>One saved version of a pipeline's spec.</summary>
/// <param name="CreatedAt">When this version was saved.</param>
/// <param name="Format"><c>yaml</c> or <c>json</c>: the format <paramref name="Spec"/> is in.</param>
/// <param name="Spec">The spec's text as it was sent.</param>
public sealed record PipelineVersion(int Version, DateTimeOffset CreatedAt, string Format, string? Schedule, string Dataset, string Spec);
