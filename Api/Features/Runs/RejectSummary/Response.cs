namespace Ductus.Api.Features.Runs.RejectSummary;

/// <param name="SpecVersion">The pipeline version whose rules <c>definition</c> shows: the one the run used.</param>
/// <param name="ParseFailures">Rejects kept as raw text because the source's reader could not parse them.</param>
/// <param name="Rules">Most broken first; a reject that broke two rules counts under both.</param>
public sealed record Response(
    Guid RunId,
    string Pipeline,
    string Dataset,
    int? SpecVersion,
    long Total,
    long ParseFailures,
    IReadOnlyList<RuleGroup> Rules);

/// <summary>The rejects of one rule.</summary>
/// <param name="Column">The column a column rule checks; null for a row rule, <c>unique_key</c> and <c>parse</c>.</param>
/// <param name="Check"><c>required</c>, <c>type</c>, <c>min</c>, <c>max</c>, <c>pattern</c>, <c>accepted_values</c>, <c>max_length</c>, <c>unique</c>, <c>sql</c>, <c>unique_key</c> or <c>parse</c>.</param>
/// <param name="Definition">The rule's parameter as text (a pattern, a bound, a row rule's SQL, accepted values as a JSON array); null when the spec no longer has the rule.</param>
/// <param name="Message">The message the rule gave one of its rejects.</param>
/// <param name="TopValues">The commonest values of the rule's column among its rejects (at most 10); empty for a rule of no column.</param>
public sealed record RuleGroup(
    string Rule,
    string? Column,
    string Check,
    string? Definition,
    string? Description,
    long Count,
    string Message,
    IReadOnlyList<ValueCount> TopValues);

/// <param name="Value">The value as text; null for a null.</param>
public sealed record ValueCount(string? Value, long Count);
