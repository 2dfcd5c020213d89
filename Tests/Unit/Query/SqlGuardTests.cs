using DuckDB.NET.Data;
using Ductus.Core.Query;

namespace Ductus.Tests.Unit.Query;

/// <summary>The guard runs DuckDB's real parser; nothing is mocked.</summary>
public sealed class SqlGuardTests
{
    private static readonly string[] Datasets = ["flights", "airports"];

    // A second statement DuckDB cannot serialize (COPY) fails the whole parse as "not a SELECT".
    private static readonly string[] SeveralStatementErrors = ["only one SELECT statement is allowed", "only a SELECT statement is allowed"];

    private static Task<GuardResult> Check(string sql) => SqlGuard.CheckAsync(sql, Datasets);

    private static async Task AssertRefusedAsync(string sql, string error)
    {
        var result = await Check(sql);
        Assert.False(result.Allowed);
        Assert.Equal(error, result.Error);
    }

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
    [InlineData("WITH duckdb_views AS (SELECT * FROM duckdb_views) SELECT sql FROM duckdb_views", "a CTE cannot be named 'duckdb_views': that is a DuckDB catalog table")]
    [InlineData("WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT sql FROM sqlite_master", "a CTE cannot be named 'sqlite_master': that is a DuckDB catalog table")]
    [InlineData("WITH pg_views AS (SELECT * FROM pg_views) SELECT definition FROM pg_views", "a CTE cannot be named 'pg_views': that is a DuckDB catalog table")]
    [InlineData("WITH duckdb_databases AS (SELECT * FROM duckdb_databases) SELECT path FROM duckdb_databases", "a CTE cannot be named 'duckdb_databases': that is a DuckDB catalog table")]
    [InlineData("WITH DuckDB_Views AS (SELECT 1) SELECT * FROM DuckDB_Views", "a CTE cannot be named 'DuckDB_Views': that is a DuckDB catalog table")]
    [InlineData("WITH \"/etc/passwd\" AS (SELECT * FROM '/etc/passwd') SELECT * FROM \"/etc/passwd\"", "a CTE cannot be named '/etc/passwd': that is a file path")]
    [InlineData("WITH \"/lake/acme/flights/*.parquet\" AS (SELECT * FROM '/lake/acme/flights/*.parquet') SELECT * FROM \"/lake/acme/flights/*.parquet\"", "a CTE cannot be named '/lake/acme/flights/*.parquet': that is a file path")]
    [InlineData("WITH \"old.parquet\" AS (SELECT * FROM 'old.parquet') SELECT * FROM \"old.parquet\"", "a CTE cannot be named 'old.parquet': that is a file path")]
    [InlineData("WITH \"x.csv\" AS (SELECT 1) SELECT * FROM \"x.csv\"", "a CTE cannot be named 'x.csv': that is a file path")]
    [InlineData("WITH x AS (SELECT * FROM x) SELECT * FROM x", "unknown dataset 'x'")]
    [InlineData("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", "unknown dataset 'b'")]
    [InlineData("WITH a AS (SELECT * FROM duckdb_views), duckdb_views AS (SELECT 1) SELECT * FROM a", "unknown dataset 'duckdb_views'")]
    [InlineData("WITH a AS (WITH b AS (SELECT 1) SELECT * FROM b) SELECT * FROM b", "unknown dataset 'b'")]
    [InlineData("SELECT * FROM (WITH b AS (SELECT * FROM c), c AS (SELECT 1) SELECT * FROM b)", "unknown dataset 'c'")]
    [InlineData("WITH x AS MATERIALIZED (SELECT * FROM x) SELECT * FROM x", "unknown dataset 'x'")]
    [InlineData("WITH x AS NOT MATERIALIZED (SELECT * FROM x) SELECT * FROM x", "unknown dataset 'x'")]
    [InlineData("WITH RECURSIVE x AS (SELECT * FROM x) SELECT * FROM x", "unknown dataset 'x'")]
    [InlineData("WITH RECURSIVE x AS (SELECT * FROM x UNION ALL SELECT * FROM x) SELECT * FROM x", "unknown dataset 'x'")]
    [InlineData("WITH RECURSIVE a AS (SELECT 1 AS n UNION ALL SELECT n FROM b), b AS (SELECT 1 AS n) SELECT * FROM a", "unknown dataset 'b'")]
    [InlineData("WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM recurring.t) SELECT * FROM t", "qualified table reference 'recurring.t' is not allowed: name a dataset")]
    [InlineData("SELECT (WITH x AS (SELECT * FROM x) SELECT count(*) FROM x)", "unknown dataset 'x'")]
    [InlineData("SELECT * FROM flights WHERE origin IN (WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets)", "unknown dataset 'secrets'")]
    public Task A_cte_is_visible_only_where_duckdb_binds_it_and_cannot_take_a_catalog_or_file_name(string sql, string error) =>
        AssertRefusedAsync(sql, error);

    [Theory]
    [InlineData("SELECT * FROM duckdb_views", "unknown dataset 'duckdb_views'")]
    [InlineData("SELECT * FROM sqlite_master", "unknown dataset 'sqlite_master'")]
    [InlineData("SELECT * FROM pragma_database_list", "unknown dataset 'pragma_database_list'")]
    [InlineData("SELECT * FROM pg_catalog.pg_views", "qualified table reference 'pg_catalog.pg_views' is not allowed: name a dataset")]
    [InlineData("SELECT * FROM duckdb_databases()", "table function duckdb_databases is not allowed")]
    [InlineData("SELECT * FROM parquet_scan('/lake/acme/flights/old.parquet')", "table function parquet_scan is not allowed")]
    [InlineData("SELECT * FROM parquet_metadata('/lake/acme/flights/old.parquet')", "table function parquet_metadata is not allowed")]
    [InlineData("SELECT * FROM read_duckdb('/lake/acme.duckdb')", "table function read_duckdb is not allowed")]
    [InlineData("SELECT * FROM histogram_values(flights, delay)", "table function histogram_values is not allowed")]
    [InlineData("SELECT * FROM 'acme/flights/*.parquet'", "file path 'acme/flights/*.parquet' is not allowed as a table: name a dataset")]
    [InlineData("SELECT * FROM \"~/secrets\"", "file path '~/secrets' is not allowed as a table: name a dataset")]
    public Task Catalog_tables_and_files_are_refused_as_tables(string sql, string error) =>
        AssertRefusedAsync(sql, error);

    [Theory]
    [InlineData("SELECT current_query()", "current_query")]
    [InlineData("SELECT in_search_path('memory', 'main')", "in_search_path")]
    [InlineData("SELECT write_log('x')", "write_log")]
    [InlineData("SELECT getvariable('x')", "getvariable")]
    [InlineData("SELECT current_database()", "current_database")]
    [InlineData("SELECT current_schemas(true)", "current_schemas")]
    [InlineData("SELECT txid_current()", "txid_current")]
    [InlineData("SELECT current_transaction_id()", "current_transaction_id")]
    [InlineData("SELECT current_connection_id()", "current_connection_id")]
    [InlineData("SELECT current_query_id()", "current_query_id")]
    [InlineData("SELECT nextval('s')", "nextval")]
    [InlineData("SELECT currval('s')", "currval")]
    [InlineData("SELECT setseed(0.5)", "setseed")]
    [InlineData("SELECT version()", "version")]
    [InlineData("SELECT sleep_ms(100000)", "sleep_ms")]
    [InlineData("SELECT json_serialize_plan('SELECT * FROM duckdb_views()')", "json_serialize_plan")]
    [InlineData("SELECT json_deserialize_sql('{}')", "json_deserialize_sql")]
    [InlineData("SELECT pg_get_viewdef(1)", "pg_get_viewdef")]
    [InlineData("SELECT format_type(1, 1)", "format_type")]
    [InlineData("SELECT get_block_size('memory')", "get_block_size")]
    [InlineData("SELECT make_type('INTEGER')", "make_type")]
    [InlineData("SELECT stats(origin) FROM flights", "stats")]
    [InlineData("SELECT pg_typeof(1)", "pg_typeof")]
    [InlineData("SELECT __internal_compress_string_ubigint('a')", "__internal_compress_string_ubigint")]
    [InlineData("SELECT origin, getvariable('x') OVER () FROM flights", "getvariable")]
    [InlineData("SELECT unlist([1])", "unlist")]
    public Task Functions_that_read_state_outside_the_query_are_refused(string sql, string function) =>
        AssertRefusedAsync(sql, $"function {function} is not allowed");

    [Theory]
    [InlineData("SELECT user", "user", "user")]
    [InlineData("SELECT current_user FROM flights", "current_user", "current_user")]
    [InlineData("SELECT session_user", "session_user", "session_user")]
    [InlineData("SELECT \"current_schema\"", "current_schema", "current_schema")]
    [InlineData("SELECT CURRENT_CATALOG", "current_catalog", "CURRENT_CATALOG")]
    [InlineData("SELECT origin FROM flights WHERE origin = current_role", "current_role", "current_role")]
    [InlineData("SELECT user.name FROM flights", "user", "user")]
    [InlineData("SELECT 1 AS a, alias.user", "user", "user")]
    [InlineData("SELECT * FROM unnest([x.current_user])", "current_user", "current_user")]
    public Task Sql_value_keywords_that_read_the_session_are_refused(string sql, string function, string written) =>
        AssertRefusedAsync(sql,
            $"function {function} is not allowed: DuckDB reads '{written}' as a call to it unless a column has that name (write table.{written} for a column)");

    [Theory]
    [InlineData("SELECT list_aggr([1], 'current_setting')", "list_aggr", "current_setting")]
    [InlineData("SELECT aggregate([1], 'getvariable')", "aggregate", "getvariable")]
    [InlineData("SELECT list_aggregate([1], $name)", "list_aggregate", "(an expression)")]
    [InlineData("SELECT array_aggr([1], 'su' || 'm')", "array_aggr", "(an expression)")]
    public Task A_list_aggregate_runs_only_an_allowed_aggregate_named_by_a_constant(string sql, string function, string named) =>
        AssertRefusedAsync(sql,
            $"function {function} is not allowed with '{named}': it runs the aggregate it names, which must be an allowed function given as a string constant");

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

    /// <summary>
    /// Statements whose names the guard resolves as DuckDB does; each then runs on a real DuckDB that
    /// has views for exactly the datasets the guard found, as the sandbox has: a name the guard took for
    /// a CTE but DuckDB bound to the catalog (or the reverse) would fail there.
    /// </summary>
    [Theory]
    [InlineData("WITH flights AS (SELECT * FROM flights WHERE delay > 0) SELECT count(*) FROM flights", new[] { "flights" })]
    [InlineData("WITH flights AS (SELECT 1 AS x) SELECT x FROM flights", new string[0])]
    [InlineData("WITH Flights AS (SELECT 1 AS x) SELECT x FROM FLIGHTS", new string[0])]
    [InlineData("WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b", new string[0])]
    [InlineData("WITH a AS (SELECT 1 AS x) SELECT (WITH a AS (SELECT x + 1 AS x FROM a) SELECT x FROM a)", new string[0])]
    [InlineData("WITH a AS (SELECT 1 AS x) SELECT * FROM (SELECT * FROM a) JOIN (WITH b AS (SELECT x FROM a) SELECT * FROM b) USING (x)", new string[0])]
    [InlineData("WITH a AS (WITH b AS (SELECT origin FROM flights) SELECT * FROM b) SELECT * FROM a", new[] { "flights" })]
    [InlineData("WITH a AS MATERIALIZED (SELECT iata FROM airports) SELECT * FROM a JOIN flights ON a.iata = flights.origin", new[] { "airports", "flights" })]
    [InlineData("WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t", new string[0])]
    [InlineData("WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM (SELECT * FROM t) s WHERE n < 3) SELECT * FROM t", new string[0])]
    [InlineData("WITH RECURSIVE t AS (WITH u AS (SELECT 1 AS n) SELECT * FROM u UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t", new string[0])]
    [InlineData("WITH RECURSIVE flights AS (SELECT delay FROM flights UNION ALL SELECT delay + 1 FROM flights WHERE delay < 12) SELECT * FROM flights", new[] { "flights" })]
    [InlineData("WITH RECURSIVE flights AS (SELECT delay FROM flights) SELECT * FROM flights", new[] { "flights" })]
    [InlineData("SELECT f.user, f.current_role FROM (SELECT 1 AS user, 2 AS current_role) f", new string[0])]
    [InlineData("SELECT current_date, current_timestamp, localtimestamp, now(), list_avg([1, 2]), list_aggr([1, 2], 'sum')", new string[0])]
    [InlineData("SELECT origin, sum(delay) OVER (PARTITION BY origin), nullif(origin, 'AMS') FROM flights", new[] { "flights" })]
    public async Task Cte_names_resolve_as_duckdb_binds_them(string sql, string[] datasets)
    {
        var result = await Check(sql);
        Assert.True(result.Allowed, result.Error);
        Assert.Equal(datasets, result.Datasets);

        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        var views = new Dictionary<string, string>
        {
            ["flights"] = "SELECT * FROM (VALUES ('AMS', 'JFK', 10), ('JFK', 'AMS', 25)) AS t(origin, destination, delay)",
            ["airports"] = "SELECT * FROM (VALUES ('AMS', 'Schiphol'), ('JFK', 'Kennedy')) AS t(iata, name)",
        };
        foreach (var dataset in result.Datasets)
        {
            command.CommandText = $"CREATE VIEW {dataset} AS {views[dataset]}";
            await command.ExecuteNonQueryAsync();
        }

        command.CommandText = result.Sql;
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(reader.FieldCount > 0);
    }

    /// <summary>The benchmark's statements (bench/Bench/QueryBench.cs) and the aggregate compiler's shapes keep passing the allow-list.</summary>
    [Theory]
    [InlineData("SELECT origin, count(*) AS n FROM flights GROUP BY origin ORDER BY origin")]
    [InlineData("SELECT date_trunc('day', departed_at) AS day, count(*) AS n, avg(delay) AS avg_delay FROM flights GROUP BY 1 ORDER BY 1")]
    [InlineData("SELECT origin, destination, count(*) AS n FROM flights GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 10")]
    [InlineData("SELECT count(*) AS n FROM flights WHERE delay > 60 AND origin = 'ORD'")]
    [InlineData("SELECT count(DISTINCT (departed_at, origin)) AS n FROM flights")]
    [InlineData("""
        SELECT date_trunc('hour', "departed_at") AS "hour", "origin", count(*) AS "count", count("delay") AS "count_delay", sum("delay") AS "sum_delay",
               min("delay") AS "min_delay", max("delay") AS "max_delay", count(DISTINCT "destination") AS "d", quantile_cont("delay", 0.95) AS "p95_delay"
          FROM "flights"
         WHERE "origin" IN ($f0_0, $f0_1) AND "delay" >= $f1 AND contains("destination", $f2) AND starts_with("origin", $f3) AND "delay" IS NOT NULL
         GROUP BY date_trunc('hour', "departed_at"), "origin" ORDER BY "count" DESC LIMIT 10
        """)]
    public async Task Benchmark_and_aggregate_statements_stay_accepted(string sql)
    {
        var result = await Check(sql);
        Assert.True(result.Allowed, result.Error);
        Assert.Equal(["flights"], result.Datasets);
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
