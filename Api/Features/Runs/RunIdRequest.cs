namespace Ductus.Api.Features.Runs;

/// <summary>A request naming one run by its id in the route.</summary>
public sealed class RunIdRequest
{
    public Guid Id { get; set; }
}
