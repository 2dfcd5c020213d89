namespace Ductus.Api.Features.Datasets.List;

public sealed record Response(IReadOnlyList<Dataset> Items);
