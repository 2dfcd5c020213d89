namespace Ductus.Api.Features.Pipelines.List;

public sealed record Response(IReadOnlyList<Pipeline> Items);
