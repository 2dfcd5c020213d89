using System.Text.Json;

namespace Ductus.Api.Features.Datasets.Aggregate;

/// <summary>The body is also <see cref="AggregateCompiler"/>'s input as it is, so what is sent and what is compiled cannot drift apart.</summary>
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

    /// <summary>Output columns to sort by (group columns, the bucket, metric names); by default the group columns, ascending.</summary>
    public List<AggregateOrder>? OrderBy { get; set; }

    /// <summary>Most groups to return.</summary>
    public int? Limit { get; set; }
}

public sealed class TimeBucket
{
    public string Column { get; set; } = string.Empty;

    /// <summary><c>hour</c>, <c>day</c>, <c>week</c> or <c>month</c>.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>Output column name; default <c>&lt;bucket&gt;</c> (e.g. <c>day</c>).</summary>
    public string? As { get; set; }
}

public sealed class AggregateMetric
{
    /// <summary>count, sum, avg, min, max, count_distinct, percentile (with <see cref="Q"/>) or p50/p95/p99-style shorthands.</summary>
    public string Fn { get; set; } = string.Empty;

    /// <summary>The column aggregated; optional only for <c>count</c> (rows).</summary>
    public string? Column { get; set; }

    /// <summary>The quantile for <c>percentile</c>, between 0 and 1.</summary>
    public double? Q { get; set; }

    /// <summary>Output column name; default e.g. <c>count</c>, <c>avg_delay</c>, <c>p95_delay</c>.</summary>
    public string? As { get; set; }
}

public sealed class AggregateFilter
{
    public string Column { get; set; } = string.Empty;

    /// <summary>One of <see cref="AggregateCompiler.Operators"/>.</summary>
    public string Op { get; set; } = string.Empty;

    /// <summary>Bound as a parameter, never put in the SQL text; an array for <c>in</c>/<c>not_in</c>; absent for the null tests.</summary>
    public JsonElement? Value { get; set; }
}

public sealed class AggregateOrder
{
    /// <summary>An output column: a group column, the time bucket or a metric's name.</summary>
    public string By { get; set; } = string.Empty;

    public bool Desc { get; set; }
}
