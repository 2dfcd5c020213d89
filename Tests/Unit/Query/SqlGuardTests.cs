using Ductus.Core.Query;

namespace Ductus.Tests.Unit.Query;

/// <summary>The guard runs DuckDB's real parser; nothing is mocked.</summary>
public sealed class SqlGuardTests
{
    private static readonly string[] Datasets = ["flights", "airports"];

    // A second statement DuckDB cannot serialize (COPY) fails the whole parse as "not a SELECT".
    private static readonly string[] SeveralStatementErrors = ["only one SELECT statement is allowed", "only a SELECT statement is allowed"];

    private static Task<GuardResult> Check(string sql) => SqlGuard.CheckAsync(sql, Datasets);

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "table function read_csv is not allowed")]
    [InlineData("SELECT * FROM read_csv_auto('/etc/passwd')", "table function read_csv_auto is not allowed")]
    [InlineData("SELECT * FROM read_parquet('/lake/other/flights/a.parquet')", "table function read_parquet is not allowed")]
    [InlineData("SELECT * FROM read_text('/etc/passwd')", "table function read_text is not allowed")]
    [InlineData("SELECT * FROM glob('/lake/*')", "table function glob is not allowed")]
    [InlineData("SELECT * FROM duckdb_settings()", "table function duckdb_settings is not allowed")]
    [InlineData("SELECT * FROM query('SELECT 1')", "table function query is not allowed")]
    [InlineData("SELECT * FROM flights, read_json('/etc/hosts')", "table function read_json is not allowed")]
    public async Task Table_functions_that_read_outside_the_datasets_are_refused(string sql, string error)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Equal(error, result.Error);
    }

    [Theory]
    [InlineData("SELECT * FROM '/etc/passwd'", "file path '/etc/passwd' is not allowed as a table: name a dataset")]
    [InlineData("SELECT * FROM '../other/flights/a.parquet'", "file path '../other/flights/a.parquet' is not allowed as a table: name a dataset")]
    [InlineData("SELECT * FROM \"x.csv\"", "file path 'x.csv' is not allowed as a table: name a dataset")]
    public async Task File_paths_as_tables_are_refused(string sql, string error)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Equal(error, result.Error);
    }

    [Theory]
    [InlineData("SELECT read_text('/etc/passwd')", "read_text")]
    [InlineData("SELECT content FROM flights WHERE read_blob('/etc/shadow') IS NOT NULL", "read_blob")]
    [InlineData("SELECT getenv('HOME')", "getenv")]
    [InlineData("SELECT current_setting('allowed_directories')", "current_setting")]
    [InlineData("SELECT \"read_csv\"('x')", "read_csv")]
    [InlineData("SELECT \"READ_TEXT\"('/etc/passwd')", "read_text")]
    [InlineData("SELECT (SELECT max(len(glob('/lake/*'))) FROM airports)", "glob")]
    [InlineData("SELECT origin FROM flights WHERE origin IN (SELECT getenv('X'))", "getenv")]
    [InlineData("SELECT json_execute_serialized_sql('{}')", "json_execute_serialized_sql")]
    [InlineData("SELECT pragma_version()", "pragma_version")]
    [InlineData("SELECT list_transform([1], x -> read_text('/etc/passwd'))", "read_text")]
    public async Task Scalar_functions_that_read_files_or_settings_are_refused_anywhere(string sql, string function)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Equal($"function {function} is not allowed", result.Error);
    }

    [Theory]
    [InlineData("COPY flights TO '/tmp/out.csv'")]
    [InlineData("COPY (SELECT * FROM flights) TO '/tmp/out.parquet' (FORMAT parquet)")]
    [InlineData("ATTACH '/tmp/x.duckdb' AS x")]
    [InlineData("INSTALL httpfs")]
    [InlineData("LOAD httpfs")]
    [InlineData("SET enable_external_access = true")]
    [InlineData("RESET lock_configuration")]
    [InlineData("PRAGMA database_list")]
    [InlineData("EXPORT DATABASE '/tmp/dump'")]
    [InlineData("CREATE TABLE t AS SELECT 1")]
    [InlineData("CREATE VIEW v AS SELECT * FROM read_csv('/etc/passwd')")]
    [InlineData("INSERT INTO flights VALUES (1)")]
    [InlineData("UPDATE flights SET delay = 0")]
    [InlineData("DELETE FROM flights")]
    [InlineData("DROP VIEW flights")]
    [InlineData("DESCRIBE flights")]
    [InlineData("CALL duckdb_settings()")]
    [InlineData("EXPLAIN SELECT 1")]
    public async Task Statements_other_than_select_are_refused(string sql)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.NotNull(result.Error);
    }

    [Theory]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT * FROM flights; DROP VIEW flights")]
    [InlineData("SELECT 1; COPY flights TO '/tmp/x.csv'")]
    [InlineData("SELECT 1 /* ; */; SELECT * FROM read_csv('/etc/passwd')")]
    public async Task Several_statements_in_one_are_refused(string sql)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Contains(result.Error, SeveralStatementErrors);
    }

    [Fact]
    public async Task A_trailing_comment_cannot_hide_anything_because_the_checked_tree_is_what_runs()
    {
        var result = await Check("SELECT count(*) FROM flights; -- ) UNION SELECT * FROM read_csv('/etc/passwd')");
        Assert.True(result.Allowed, result.Error);
        Assert.DoesNotContain("--", result.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("read_csv", result.Sql, StringComparison.Ordinal);
        Assert.Equal(["flights"], result.Datasets);
    }

    [Fact]
    public async Task Block_comments_do_not_hide_a_table_function()
    {
        var result = await Check("SELECT * FROM /* flights */ read_csv/**/('/etc/passwd')");
        Assert.False(result.Allowed);
        Assert.Equal("table function read_csv is not allowed", result.Error);
    }

    [Theory]
    [InlineData("SELECT * FROM other_workspace_dataset", "unknown dataset 'other_workspace_dataset'")]
    [InlineData("SELECT * FROM flights JOIN secrets USING (id)", "unknown dataset 'secrets'")]
    [InlineData("SELECT * FROM flights WHERE origin IN (SELECT code FROM hidden)", "unknown dataset 'hidden'")]
    [InlineData("SELECT * FROM main.flights", "qualified table reference 'main.flights' is not allowed: name a dataset")]
    [InlineData("SELECT * FROM other.main.flights", "qualified table reference 'other.main.flights' is not allowed: name a dataset")]
    [InlineData("SELECT * FROM information_schema.tables", "qualified table reference 'information_schema.tables' is not allowed: name a dataset")]
    [InlineData("SELECT * FROM duckdb_tables", "unknown dataset 'duckdb_tables'")]
    [InlineData("SELECT * FROM flights AT (VERSION => 1)", "AT (time travel) clauses are not allowed: pin dataset versions in the request")]
    public async Task References_to_anything_but_the_given_datasets_are_refused(string sql, string error)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public async Task A_cte_name_is_only_visible_where_it_is_defined()
    {
        var result = await Check("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) JOIN x ON true");
        Assert.False(result.Allowed);
        Assert.Equal("unknown dataset 'x'", result.Error);
    }

    [Theory]
    [InlineData("", "the statement is empty")]
    [InlineData("-- only a comment", "the statement is empty")]
    [InlineData("SELEC 1", "the statement does not parse")]
    public async Task Empty_and_malformed_statements_are_refused(string sql, string error)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.StartsWith(error, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT origin, count(*) AS n FROM flights GROUP BY origin ORDER BY n DESC LIMIT 10", new[] { "flights" })]
    [InlineData("""
        WITH busy AS (SELECT origin, count(*) AS n FROM flights GROUP BY ALL),
             named AS (SELECT a.name, b.n FROM busy b JOIN airports a ON a.iata = b.origin)
        SELECT * FROM named WHERE n > $min
        """, new[] { "airports", "flights" })]
    [InlineData("""
        SELECT origin, date, delay,
               avg(delay) OVER (PARTITION BY origin ORDER BY date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS rolling,
               row_number() OVER w AS rn
          FROM flights WINDOW w AS (PARTITION BY origin ORDER BY delay DESC)
        QUALIFY rn <= 3
        """, new[] { "flights" })]
    [InlineData("SELECT * FROM flights WHERE delay > (SELECT avg(delay) FROM flights) AND origin IN (SELECT iata FROM airports WHERE state = $state)", new[] { "airports", "flights" })]
    [InlineData("SELECT origin FROM flights UNION SELECT iata FROM airports EXCEPT SELECT 'X'", new[] { "airports", "flights" })]
    [InlineData("SELECT date_trunc('day', date) AS day, quantile_cont(delay, 0.95) FROM FLIGHTS GROUP BY 1", new[] { "flights" })]
    [InlineData("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT * FROM n", new string[0])]
    [InlineData("SELECT * FROM range(10) r, unnest([1, 2]) u(x)", new string[0])]
    [InlineData("SELECT f.*, a.name FROM flights f LEFT JOIN LATERAL (SELECT name FROM airports WHERE iata = f.origin) a ON true", new[] { "airports", "flights" })]
    [InlineData("FROM flights SELECT origin, delay::DOUBLE / 60 AS hours, strftime(date, '%Y') AS y", new[] { "flights" })]
    public async Task Normal_analytics_sql_is_accepted_with_the_datasets_it_reads(string sql, string[] datasets)
    {
        var result = await Check(sql);
        Assert.True(result.Allowed, result.Error);
        Assert.Equal(datasets, result.Datasets);
        Assert.False(string.IsNullOrWhiteSpace(result.Sql));
    }

    [Fact]
    public async Task Parameters_survive_the_round_trip_as_placeholders()
    {
        var result = await Check("SELECT * FROM flights WHERE origin = $origin AND delay > $min");
        Assert.True(result.Allowed, result.Error);
        Assert.Contains("$origin", result.Sql, StringComparison.Ordinal);
        Assert.Contains("$min", result.Sql, StringComparison.Ordinal);
    }
}
