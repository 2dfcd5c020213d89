using System.Text.Json;

namespace Ductus.Api.Features.Runs.Rejects;

/// <param name="NextAfterId">Pass as <c>afterId</c> for the next page; null on the last page.</param>
public sealed record Response(IReadOnlyList<Reject> Items, long? NextAfterId);

/// <summary>A row the contract refused.</summary>
/// <param name="Line">The row's line in the source file, where the source has lines.</param>
/// <param name="Rules">The names of the rules the row broke.</param>
/// <param name="Values">The original row as an object (column → value); null when it could not be read as columns.</param>
/// <param name="RawText">The row's text as it was in the source, where known.</param>
public sealed record Reject(
    long Id,
    long? Line,
    IReadOnlyList<string> Rules,
    string Message,
    JsonElement Values,
    string? RawText,
    DateTimeOffset CreatedAt);
