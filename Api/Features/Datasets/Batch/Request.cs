namespace Ductus.Api.Features.Datasets.Batch;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;

    public Guid Id { get; set; }
}
