using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Telemetry;

/// <summary>The extraction the dashboard-drift test relies on: if it missed names, that test could not fail.</summary>
public sealed class GrafanaDashboardTests
{
    [Theory]
    [InlineData("sum by (status) (increase(ductus_runs_total{pipeline=~\"$pipeline\"}[$__rate_interval]))", "ductus_runs_total")]
    [InlineData("histogram_quantile(0.95, sum by (le, pipeline) (rate(ductus_run_duration_seconds_bucket[5m])))", "ductus_run_duration_seconds_bucket")]
    [InlineData("max without (instance) (ductus_pipeline_reject_ratio) > bool 0.1", "ductus_pipeline_reject_ratio")]
    [InlineData("sum(rate(a_total[1m])) / on (job) group_left sum(rate(b_total[1m] offset 5m))", "a_total,b_total")]
    [InlineData("up", "up")]
    public void Metric_names_are_found_and_functions_labels_and_keywords_are_not(string promql, string expected) =>
        Assert.Equal(expected.Split(','), GrafanaDashboard.InExpression(promql).Distinct().Order(StringComparer.Ordinal));

    [Fact]
    public void A_dashboard_yields_the_metrics_of_its_panels_and_of_its_variables()
    {
        const string dashboard = """
            {
              "templating": { "list": [ { "name": "pipeline", "query": { "query": "label_values(ductus_runs_total, pipeline)" } } ] },
              "panels": [
                { "targets": [ { "expr": "sum(ductus_ingest_buffered)" } ] },
                { "type": "row", "panels": [ { "targets": [ { "expr": "rate(ductus_query_cache_hits_total[5m])" } ] } ] }
              ]
            }
            """;

        Assert.Equal(
            ["ductus_ingest_buffered", "ductus_query_cache_hits_total", "ductus_runs_total"],
            GrafanaDashboard.MetricNames(dashboard));
    }
}
