namespace Ductus.Api.Features.Pipelines.Show;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;
}
