using Ductus.Core.Specs;

namespace Ductus.Api.Features.Pipelines;

/// <summary>Something in a valid spec worth a second look (a column that looks like personal data but is not classified); never stops a save.</summary>
/// <param name="Path">The spec path it is about (<c>contract.columns.email</c>).</param>
public sealed record SpecWarning(string Path, string Message)
{
    public static IReadOnlyList<SpecWarning> From(IEnumerable<SpecError> found) => [.. found.Select(w => new SpecWarning(w.Path, w.Message))];
}
