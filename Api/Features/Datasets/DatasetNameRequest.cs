namespace Ductus.Api.Features.Datasets;

/// <summary>A request naming one dataset in the route.</summary>
public sealed class DatasetNameRequest
{
    public string Name { get; set; } = string.Empty;
}
