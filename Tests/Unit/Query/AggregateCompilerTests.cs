using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Api.Features.Datasets.Aggregate;
using Ductus.Core.Lake;
using AggregateSpec = Ductus.Api.Features.Datasets.Aggregate.Request;

namespace Ductus.Tests.Unit.Query;

/// <summary>The structured aggregate compiler: the SQL it writes runs on DuckDB and answers right; bad requests name the field.</summary>
public sealed class AggregateCompilerTests
{
    private static readonly DatasetColumn[] Columns =
    [
        new("at", "TIMESTAMP", null, true),
        new("origin", "VARCHAR", null, true),
        new("dest", "VARCHAR", null, false),
        new("delay", "INTEGER", null, false),
    ];

    [Fact]
    public async Task A_bucketed_grouped_filtered_aggregate_runs_on_duckdb_and_answers_per_group()
    {
        var spec = new AggregateSpec
        {
            TimeBucket = new TimeBucket { Column = "AT", Bucket = "day" },
            GroupBy = ["origin"],
            Metrics =
            [
                new AggregateMetric { Fn = "count" },
                new AggregateMetric { Fn = "avg", Column = "delay" },
                new AggregateMetric { Fn = "p50", Column = "delay" },
                new AggregateMetric { Fn = "count_distinct", Column = "dest", As = "routes" },
            ],
            Filters =
            [
                new AggregateFilter { Column = "delay", Op = "gte", Value = Json("0") },
                new AggregateFilter { Column = "origin", Op = "in", Value = Json("""["ORD", "SFO"]""") },
                new AggregateFilter { Column = "dest", Op = "not_null" },
                new AggregateFilter { Column = "dest", Op = "starts_with", Value = Json("\"L\"") },
            ],
            OrderBy = [new AggregateOrder { By = "count", Desc = true }],
            Limit = 10,
        };

        var (query, errors) = AggregateCompiler.Compile("flights", Columns, spec);
        Assert.Empty(errors);
        Assert.NotNull(query);
        // Values are parameters, never text of the SQL.
        Assert.DoesNotContain("SFO", query.Sql, StringComparison.Ordinal);
        Assert.Equal(["f0", "f1_0", "f1_1", "f3"], query.Parameters.Keys.Order());

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using (var setup = duck.CreateCommand())
        {
            setup.CommandText = """
                CREATE TABLE flights AS SELECT * FROM (VALUES
                    (TIMESTAMP '2026-11-01 08:00', 'ORD', 'LAX', 10),
                    (TIMESTAMP '2026-11-01 09:00', 'ORD', 'LGA', 30),
                    (TIMESTAMP '2026-11-01 10:00', 'ORD', 'LAX', -5),
                    (TIMESTAMP '2026-11-02 08:00', 'SFO', 'LAX', 20),
                    (TIMESTAMP '2026-11-02 09:00', 'JFK', 'LAX', 99),
                    (TIMESTAMP '2026-11-02 10:00', 'SFO', 'SEA', 40),
                    (TIMESTAMP '2026-11-02 11:00', 'SFO', NULL, 50)
                ) t("at", origin, dest, delay)
                """;
            await setup.ExecuteNonQueryAsync();
        }

        await using var command = duck.CreateCommand();
        command.CommandText = query.Sql;
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value.ValueKind == JsonValueKind.Number ? value.GetInt32() : (object)value.GetString()!));
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetDateTime(0):yyyy-MM-dd} {reader.GetString(1)} n={reader.GetInt64(2)} avg={reader.GetDouble(3)} p50={reader.GetDouble(4)} routes={reader.GetInt64(5)}");
        }

        Assert.Equal(["day", "origin", "count", "avg_delay", "p50_delay", "routes"], Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
        Assert.Equal(["2026-11-01 ORD n=2 avg=20 p50=20 routes=2", "2026-11-02 SFO n=1 avg=20 p50=20 routes=1"], rows);
    }

    [Fact]
    public void Counting_rows_alone_needs_no_group_and_no_order()
    {
        var (query, errors) = AggregateCompiler.Compile("my \"data\"", Columns, new AggregateSpec { Metrics = [new AggregateMetric { Fn = "COUNT" }] });
        Assert.Empty(errors);
        Assert.Equal("SELECT count(*) AS \"count\" FROM \"my \"\"data\"\"\"", query!.Sql);
    }

    public static TheoryData<string, string, string> BadSpecs => new()
    {
        { """{"metrics": []}""", "metrics", "at least one metric is required" },
        { """{"metrics": [{"fn": "median", "column": "delay"}]}""", "metrics[0].fn", "'median' is not a metric" },
        { """{"metrics": [{"fn": "sum", "column": "nope"}]}""", "metrics[0].column", "unknown column 'nope' in dataset flights" },
        { """{"metrics": [{"fn": "sum"}]}""", "metrics[0].column", "a column is required" },
        { """{"metrics": [{"fn": "avg", "column": "origin"}]}""", "metrics[0].column", "avg needs a numeric column; 'origin' is VARCHAR" },
        { """{"metrics": [{"fn": "percentile", "column": "delay", "q": 1.5}]}""", "metrics[0].q", "percentile needs q between 0 and 1" },
        { """{"metrics": [{"fn": "count", "as": "1st"}]}""", "metrics[0].as", "'1st' is not a valid output name" },
        { """{"metrics": [{"fn": "count"}, {"fn": "count", "column": "dest", "as": "count"}]}""", "metrics[1].as", "output column 'count' is named twice" },
        { """{"timeBucket": {"column": "at", "bucket": "minute"}, "metrics": [{"fn": "count"}]}""", "timeBucket.bucket", "'minute' is not a bucket" },
        { """{"timeBucket": {"column": "origin", "bucket": "day"}, "metrics": [{"fn": "count"}]}""", "timeBucket.column", "column 'origin' is VARCHAR, not a date or timestamp" },
        { """{"filters": [{"column": "delay", "op": "like", "value": 1}], "metrics": [{"fn": "count"}]}""", "filters[0].op", "'like' is not an operator" },
        { """{"filters": [{"column": "delay", "op": "is_null", "value": 1}], "metrics": [{"fn": "count"}]}""", "filters[0].value", "is_null takes no value" },
        { """{"filters": [{"column": "delay", "op": "in", "value": []}], "metrics": [{"fn": "count"}]}""", "filters[0].value", "in needs an array of 1 to 1000" },
        { """{"filters": [{"column": "delay", "op": "gt"}], "metrics": [{"fn": "count"}]}""", "filters[0].value", "gt needs a value" },
        { """{"filters": [{"column": "origin", "op": "contains", "value": 3}], "metrics": [{"fn": "count"}]}""", "filters[0].value", "contains needs a string value" },
        { """{"orderBy": [{"by": "delay"}], "metrics": [{"fn": "count"}]}""", "orderBy[0].by", "'delay' is not an output column: use one of count" },
        { """{"limit": 0, "metrics": [{"fn": "count"}]}""", "limit", "limit must be 1 or more" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void A_bad_request_is_refused_naming_the_field_and_the_reason(string json, string field, string reason)
    {
        var spec = JsonSerializer.Deserialize<AggregateSpec>(json, JsonSerializerOptions.Web)!;
        var (query, errors) = AggregateCompiler.Compile("flights", Columns, spec);
        Assert.Null(query);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
