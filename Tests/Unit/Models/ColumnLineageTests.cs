using Ductus.Core.Models;

namespace Ductus.Tests.Unit.Models;

/// <summary>Column lineage from DuckDB's own parse trees (<see cref="ColumnLineage"/>), one construct at a time.</summary>
public sealed class ColumnLineageTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>?> Inputs = new(StringComparer.Ordinal)
    {
        ["flights"] = ["id", "origin", "dest", "delay", "carrier"],
        ["airports"] = ["iata", "name", "state"],
        ["carriers"] = ["code", "name"],
    };

    private static RelationLineage Analyze(string sql, IReadOnlyDictionary<string, IReadOnlyList<string>?>? relations = null) =>
        ColumnLineage.Analyze(sql, relations ?? Inputs);

    /// <summary>An origin as one line: <c>flights.origin direct, flights.delay expression</c>, or <c>unknown: why</c> after them.</summary>
    private static string Show(ColumnOrigin origin)
    {
        var sources = string.Join(", ", origin.Sources.Select(s => $"{s.Relation}.{s.Column} {s.How.ToString().ToLowerInvariant()}"));
        return origin.Unknown is null ? sources : $"{sources} unknown: {origin.Unknown}".TrimStart();
    }

    private static string[] Names(RelationLineage lineage) => [.. lineage.Columns.Select(c => c.Column)];

    [Fact]
    public void Plain_and_renamed_references_are_direct_and_keep_the_inputs_spelling()
    {
        var lineage = Analyze("SELECT ORIGIN, dest AS destination, f.delay AS late FROM flights AS f");

        Assert.Equal(["origin", "destination", "late"], Names(lineage));
        Assert.Equal("flights.origin direct", Show(lineage.Of("origin")));
        Assert.Equal("flights.dest direct", Show(lineage.Of("destination")));
        Assert.Equal("flights.delay direct", Show(lineage.Of("LATE")));
        Assert.True(lineage.IsComplete);
    }

    [Fact]
    public void Functions_casts_case_and_arithmetic_are_expressions_of_every_column_they_mention()
    {
        var lineage = Analyze("""
            SELECT upper(origin) AS o, CAST(delay AS VARCHAR) AS d, delay * 60 + id AS seconds,
                   CASE WHEN delay > 15 THEN 'late' ELSE carrier END AS status, coalesce(origin, dest) AS place
            FROM flights
            """);

        Assert.Equal("flights.origin expression", Show(lineage.Of("o")));
        Assert.Equal("flights.delay expression", Show(lineage.Of("d")));
        Assert.Equal("flights.delay expression, flights.id expression", Show(lineage.Of("seconds")));
        Assert.Equal("flights.delay expression, flights.carrier expression", Show(lineage.Of("status")));
        Assert.Equal("flights.origin expression, flights.dest expression", Show(lineage.Of("place")));
    }

    [Fact]
    public void An_unaliased_expression_has_the_name_duckdb_gives_it()
    {
        var lineage = Analyze("SELECT sum(delay + 1), count(*), upper(origin) FROM flights GROUP BY origin");

        Assert.Equal(["sum((delay + 1))", "count_star()", "upper(origin)"], Names(lineage));
        Assert.Equal("flights.delay expression", Show(lineage.Of("sum((delay + 1))")));
    }

    [Fact]
    public void Grouped_keys_stay_direct_aggregates_are_expressions_and_count_star_and_literals_read_nothing()
    {
        var lineage = Analyze("SELECT origin, avg(delay) AS avg_delay, count(*) AS n, count(DISTINCT dest) AS dests, 1 AS one, 'x' AS tag, current_date AS today FROM flights GROUP BY origin");

        Assert.Equal("flights.origin direct", Show(lineage.Of("origin")));
        Assert.Equal("flights.delay expression", Show(lineage.Of("avg_delay")));
        Assert.Equal("flights.dest expression", Show(lineage.Of("dests")));
        foreach (var constant in new[] { "n", "one", "tag", "today" })
        {
            var origin = lineage.Of(constant);
            Assert.Empty(origin.Sources);
            Assert.Null(origin.Unknown);
        }
    }

    [Fact]
    public void Joins_resolve_qualified_and_unqualified_names_to_the_relation_that_has_them()
    {
        var lineage = Analyze("""
            SELECT f.origin, a.name AS airport, state, c.name AS carrier_name, delay
            FROM flights f JOIN airports a ON a.iata = f.origin LEFT JOIN carriers AS c ON c.code = f.carrier
            """);

        Assert.Equal("flights.origin direct", Show(lineage.Of("origin")));
        Assert.Equal("airports.name direct", Show(lineage.Of("airport")));
        Assert.Equal("airports.state direct", Show(lineage.Of("state")));
        Assert.Equal("carriers.name direct", Show(lineage.Of("carrier_name")));
        Assert.Equal("flights.delay direct", Show(lineage.Of("delay")));
    }

    [Fact]
    public void An_ambiguous_name_lists_every_candidate_and_says_so()
    {
        var lineage = Analyze("SELECT name FROM airports, carriers");

        var origin = lineage.Of("name");
        Assert.Equal(["airports.name", "carriers.name"], origin.Sources.Select(s => $"{s.Relation}.{s.Column}"));
        Assert.Contains("more than one input", origin.Unknown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_using_column_comes_from_both_sides_and_a_star_shows_it_once()
    {
        var relations = new Dictionary<string, IReadOnlyList<string>?> { ["a"] = ["id", "x"], ["b"] = ["id", "y"] };

        var lineage = Analyze("SELECT * FROM a JOIN b USING (id)", relations);

        Assert.Equal(["id", "x", "y"], Names(lineage));
        Assert.Equal("a.id direct, b.id direct", Show(lineage.Of("id")));
        Assert.Equal(["id", "x", "y"], Names(Analyze("SELECT * FROM a NATURAL JOIN b", relations)));
    }

    [Fact]
    public void Stars_expand_with_exclude_replace_rename_and_columns()
    {
        var all = Analyze("SELECT * FROM flights f JOIN airports a ON a.iata = f.origin");
        Assert.Equal(["id", "origin", "dest", "delay", "carrier", "iata", "name", "state"], Names(all));
        Assert.Equal("airports.state direct", Show(all.Of("state")));

        var qualified = Analyze("SELECT a.*, f.id FROM flights f JOIN airports a ON a.iata = f.origin");
        Assert.Equal(["iata", "name", "state", "id"], Names(qualified));

        var modified = Analyze("SELECT * EXCLUDE (carrier) REPLACE (delay * 60 AS delay) RENAME (dest AS destination) FROM flights");
        Assert.Equal(["id", "origin", "destination", "delay"], Names(modified));
        Assert.Equal("flights.delay expression", Show(modified.Of("delay")));
        Assert.Equal("flights.dest direct", Show(modified.Of("destination")));
        Assert.NotNull(modified.Of("carrier").Unknown);

        var matched = Analyze("SELECT COLUMNS('^(origin|dest)$') FROM flights");
        Assert.Equal(["origin", "dest"], Names(matched));
    }

    [Fact]
    public void Ctes_and_subqueries_are_resolved_through_to_the_inputs()
    {
        var lineage = Analyze("""
            WITH late AS (SELECT origin AS o, delay * 2 AS d FROM flights WHERE delay > 0),
                 named(place, weight) AS (SELECT o, d FROM late)
            SELECT s.place, s.weight, total
            FROM (SELECT place, weight, weight + 1 AS total FROM named) AS s
            """);

        Assert.Equal(["place", "weight", "total"], Names(lineage));
        Assert.Equal("flights.origin direct", Show(lineage.Of("place")));
        Assert.Equal("flights.delay expression", Show(lineage.Of("weight")));
        Assert.Equal("flights.delay expression", Show(lineage.Of("total")));
    }

    [Fact]
    public void A_cte_named_like_an_input_hides_it()
    {
        var lineage = Analyze("WITH flights AS (SELECT name AS origin FROM airports) SELECT origin FROM flights");

        Assert.Equal("airports.name direct", Show(lineage.Of("origin")));
    }

    [Fact]
    public void Union_columns_come_from_both_sides_by_position()
    {
        var lineage = Analyze("SELECT origin AS place FROM flights UNION ALL SELECT iata FROM airports");

        Assert.Equal(["place"], Names(lineage));
        Assert.Equal("flights.origin direct, airports.iata direct", Show(lineage.Of("place")));
    }

    [Fact]
    public void An_earlier_alias_and_lambda_parameters_are_resolved()
    {
        var lineage = Analyze("SELECT delay * 60 AS seconds, seconds / 3600 AS hours, list_transform([delay], x -> x + id) AS shifted FROM flights");

        Assert.Equal("flights.delay expression", Show(lineage.Of("hours")));
        Assert.Equal("flights.delay expression, flights.id expression", Show(lineage.Of("shifted")));
    }

    [Fact]
    public void A_relation_of_unknown_columns_passes_any_name_through_a_star()
    {
        var relations = new Dictionary<string, IReadOnlyList<string>?> { ["source"] = null };

        var lineage = Analyze("SELECT * EXCLUDE (secret), upper(code) AS code_upper FROM source", relations);

        Assert.False(lineage.IsComplete);
        Assert.Equal(["code_upper"], Names(lineage));
        Assert.Equal("source.anything direct", Show(lineage.Of("anything")));
        Assert.Equal("source.code expression", Show(lineage.Of("code_upper")));
        Assert.NotNull(lineage.Of("secret").Unknown);
    }

    [Theory]
    [InlineData("SELECT (SELECT max(delay) FROM flights) AS worst FROM airports", "worst", "subquery")]
    [InlineData("SELECT range AS n FROM range(3)", "n", "table function")]
    [InlineData("SELECT nothing AS n FROM flights", "n", "no input has a column named 'nothing'")]
    [InlineData("SELECT x AS n FROM elsewhere", "n", "not one of the inputs")]
    [InlineData("SELECT COLUMNS(c -> c LIKE 'o%') FROM flights", "origin", "lambda")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r", "n", "recursive")]
    [InlineData("SELECT origin FROM flights WHERE (", "origin", "does not parse")]
    public void What_cannot_be_resolved_is_unknown_with_the_reason(string sql, string column, string reason)
    {
        var origin = Analyze(sql).Of(column);

        Assert.NotNull(origin.Unknown);
        Assert.Contains(reason, origin.Unknown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_column_the_statement_does_not_produce_is_unknown()
    {
        Assert.Contains("no column named 'dest'", Analyze("SELECT origin FROM flights").Of("dest").Unknown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transform_composes_through_the_model_sql()
    {
        var model = Analyze("""
            SELECT f.origin, a.name AS airport, f.delay, f.delay * 60 AS delay_seconds
            FROM flights f JOIN airports a ON a.iata = f.origin
            """);
        var transform = Analyze(
            "SELECT origin AS code, airport, round(delay) AS rounded, delay_seconds AS secs, * EXCLUDE (origin, airport, delay, delay_seconds) FROM source",
            new Dictionary<string, IReadOnlyList<string>?> { ["source"] = [.. model.Columns.Select(c => c.Column)] });

        var output = transform.Through("source", model);

        Assert.Equal(["code", "airport", "rounded", "secs"], Names(output));
        Assert.Equal("flights.origin direct", Show(output.Of("code")));
        Assert.Equal("airports.name direct", Show(output.Of("airport")));
        Assert.Equal("flights.delay expression", Show(output.Of("rounded")));
        Assert.Equal("flights.delay expression", Show(output.Of("secs")));
    }

    [Fact]
    public void Composition_keeps_an_unknown_and_passes_unlisted_names_through_an_open_star()
    {
        var model = Analyze("SELECT origin, (SELECT 1) AS odd FROM flights");
        var transform = Analyze("SELECT *, odd + 1 AS odder FROM source", new Dictionary<string, IReadOnlyList<string>?> { ["source"] = null });

        var output = transform.Through("source", model);

        Assert.Equal("flights.origin direct", Show(output.Of("origin")));
        Assert.Contains("subquery", output.Of("odder").Unknown, StringComparison.Ordinal);
    }
}
