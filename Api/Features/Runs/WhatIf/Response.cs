using System.Text.Json;

namespace Ductus.Api.Features.Runs.WhatIf;

/// <param name="Evaluated">How many of the run's rejects that broke the rule were re-checked.</param>
/// <param name="WouldPass">How many of them the edited contract would accept.</param>
/// <param name="StillFailingByRule">The rules the still-failing rejects break under the edited contract, most first.</param>
/// <param name="Samples">Up to 20 still-failing rejects in id order.</param>
/// <param name="Capped">True when the rule has more rejects than were evaluated.</param>
/// <param name="Notes">What the numbers cannot tell (unique rules judged among the rejects only, a cap).</param>
public sealed record Response(
    string Rule,
    string? Definition,
    int? SpecVersion,
    long Evaluated,
    long WouldPass,
    long StillFailing,
    IReadOnlyList<RuleCount> StillFailingByRule,
    IReadOnlyList<Sample> Samples,
    bool Capped,
    IReadOnlyList<string> Notes);

public sealed record RuleCount(string Rule, long Count);

/// <param name="Id">The reject's id, as <c>GET /api/runs/{id}/rejects</c> lists it.</param>
/// <param name="Values">The row's values as an object.</param>
/// <param name="Rules">The rules it breaks under the edited contract.</param>
/// <param name="Message">Their messages.</param>
public sealed record Sample(long Id, JsonElement Values, IReadOnlyList<string> Rules, string Message);
