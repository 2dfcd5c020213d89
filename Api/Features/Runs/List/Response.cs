namespace Ductus.Api.Features.Runs.List;

/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record Response(IReadOnlyList<Run> Items, string? NextCursor);
