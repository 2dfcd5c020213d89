using Ductus.Core.Catalog;

namespace Ductus.Api.Features.Datasets;

/// <summary>A dataset as the catalog describes it, with how fresh it is against its SLA or else its schedule.</summary>
/// <param name="CurrentVersion">The snapshot readers see; null before the first load.</param>
/// <param name="Bytes">Size of the current snapshot's files.</param>
/// <param name="Pipeline">The pipeline that loads it, when known.</param>
/// <param name="Owner">Who answers for it: its pipeline spec's <c>owner</c>.</param>
/// <param name="Tags">Its pipeline spec's <c>tags</c>.</param>
public sealed record Dataset(
    string Name,
    string? Description,
    string? Owner,
    IReadOnlyList<string> Tags,
    IReadOnlyList<Column> Columns,
    long RowCount,
    long Bytes,
    long? CurrentVersion,
    DateTimeOffset? LastLoadedAt,
    string? Schedule,
    Freshness Freshness,
    string? Pipeline,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static Dataset From(DatasetRecord dataset, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var freshness = Core.Catalog.Freshness.Evaluate(dataset, now, tolerance);
        return new Dataset(
            dataset.Name,
            dataset.Description,
            dataset.Owner,
            dataset.Tags,
            [.. dataset.Columns.Select(c => new Column(c.Name, c.Type, c.Description, c.Required))],
            dataset.RowCount,
            dataset.Bytes,
            dataset.CurrentVersion,
            dataset.LastLoadedAt,
            dataset.ExpectedSchedule,
            new Freshness(
                StatusName(freshness.Status), freshness.DueBy, dataset.LastLoadedAt, freshness.Pipeline, freshness.Schedule, freshness.DueBy,
                LevelName(freshness.Level), freshness.Sla is { } sla ? Core.Catalog.Freshness.Describe(sla) : null),
            dataset.Pipeline,
            dataset.CreatedAt,
            dataset.UpdatedAt);
    }

    private static string StatusName(FreshnessStatus status) => status switch
    {
        FreshnessStatus.Unscheduled => "unscheduled",
        FreshnessStatus.NeverLoaded => "never_loaded",
        FreshnessStatus.Fresh => "fresh",
        FreshnessStatus.Stale => "stale",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static string LevelName(LatenessLevel level) => level switch
    {
        LatenessLevel.None => "none",
        LatenessLevel.Warn => "warn",
        LatenessLevel.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };
}

/// <param name="Type">The lake's (DuckDB) type, e.g. <c>BIGINT</c>, <c>VARCHAR</c>, <c>DECIMAL(10,2)</c>.</param>
public sealed record Column(string Name, string Type, string? Description, bool Required);

/// <param name="Status"><c>fresh</c>, <c>stale</c> (a scheduled load is overdue, or with an SLA the last load is older than its <c>warn_after</c>, else <c>error_after</c>), <c>never_loaded</c> or <c>unscheduled</c>.</param>
/// <param name="DueBy">When the next load is (or was) due, tolerance included; null when unscheduled. With an SLA: the last load plus <c>warn_after</c> (else <c>error_after</c>).</param>
/// <param name="LastCommitAt">When the current snapshot was committed; null before the first load.</param>
/// <param name="Pipeline">The pipeline whose SLA or schedule the status follows: of those that load the dataset, the one that sets its SLA (docs/operations.md, "Freshness alerts"), else the one that last loaded it; null when unknown.</param>
/// <param name="Schedule">The Quartz cron schedule loads are expected on (UTC), that pipeline's; null when none.</param>
/// <param name="ExpectedBy">The same instant as <paramref name="DueBy"/>: the schedule's first time after the last commit plus the tolerance, or the SLA's time.</param>
/// <param name="Level"><c>none</c>, <c>warn</c> or <c>error</c>: how late the dataset is by the rule its freshness alerts use (its SLA, or else two and four missed schedule times).</param>
/// <param name="Sla">The pipeline spec's <c>freshness</c> block the status follows, e.g. <c>warn_after 2h, error_after 6h</c>; null when the schedule rule applies.</param>
public sealed record Freshness(
    string Status, DateTimeOffset? DueBy, DateTimeOffset? LastCommitAt, string? Pipeline, string? Schedule, DateTimeOffset? ExpectedBy, string Level, string? Sla);
