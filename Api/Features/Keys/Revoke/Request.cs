namespace Ductus.Api.Features.Keys.Revoke;

public sealed class Request
{
    /// <summary>The key's <c>id</c> (not its client id).</summary>
    public Guid Id { get; set; }
}
