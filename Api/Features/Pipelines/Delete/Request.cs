namespace Ductus.Api.Features.Pipelines.Delete;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;
}
