using Ductus.Core.Query;

namespace Ductus.Api.Features.Datasets.Aggregate;

public sealed class Request
{
    /// <summary>The dataset (route).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Read this snapshot version instead of the current one.</summary>
    public long? Version { get; set; }

    /// <summary>Columns to group by, in order.</summary>
    public List<string>? GroupBy { get; set; }

    /// <summary>A date/timestamp column truncated to hour, day, week or month, grouped by first.</summary>
    public TimeBucket? TimeBucket { get; set; }

    /// <summary>count, sum, avg, min, max, count_distinct, percentile (q) or p50/p95/p99, each with an optional name (as).</summary>
    public List<AggregateMetric>? Metrics { get; set; }

    /// <summary>Row filters (AND): column, op (eq, ne, lt, lte, gt, gte, in, not_in, is_null, not_null, contains, starts_with), value.</summary>
    public List<AggregateFilter>? Filters { get; set; }

    /// <summary>Output columns to sort by (group columns, the bucket, metric names).</summary>
    public List<AggregateOrder>? OrderBy { get; set; }

    /// <summary>Most groups to return.</summary>
    public int? Limit { get; set; }

    public AggregateSpec ToSpec() => new()
    {
        GroupBy = GroupBy, TimeBucket = TimeBucket, Metrics = Metrics, Filters = Filters, OrderBy = OrderBy, Limit = Limit,
    };
}
