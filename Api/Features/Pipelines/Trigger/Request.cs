namespace Ductus.Api.Features.Pipelines.Trigger;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;
}
