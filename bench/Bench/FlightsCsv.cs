using DuckDB.NET.Data;

namespace Ductus.Bench;

/// <summary>
/// Builds the benchmark CSV from the real flights: the 3M rows repeated (shifted by whole
/// years so dates stay plausible) up to the requested count, with about 0.5% of rows made bad
/// in the ways real feeds go bad — a lowercase airport code, an impossible delay, a zero
/// distance, the same origin and destination.
/// </summary>
internal static class FlightsCsv
{
    public static async Task<Measurement> MakeAsync(string parquet, string csv, long rows)
    {
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = $"""
            COPY (
              WITH f AS (SELECT row_number() OVER () AS rn, * FROM read_parquet('{parquet}')),
                   n AS (SELECT count(*) AS c FROM f),
                   copies AS (SELECT range AS k FROM range(CAST(ceil({rows} / (SELECT c FROM n)) AS BIGINT))),
                   g AS (
                     SELECT (k * (SELECT c FROM n) + rn) AS id, date + to_years(CAST(k AS INTEGER)) AS date,
                            delay, distance, origin, destination
                     FROM f, copies)
              SELECT strftime(date, '%Y-%m-%d %H:%M:%S') AS date,
                     CASE WHEN id % 997 = 1 THEN 9999 ELSE delay END AS delay,
                     CASE WHEN id % 991 = 2 THEN 0 ELSE distance END AS distance,
                     CASE WHEN id % 983 = 3 THEN lower(origin) ELSE origin END AS origin,
                     CASE WHEN id % 977 = 4 THEN origin ELSE destination END AS destination
              FROM g WHERE id <= {rows} ORDER BY id
            ) TO '{csv}' (HEADER, DELIMITER ',')
            """;
        var written = await command.ExecuteNonQueryAsync();
        return new Measurement("make-csv", written, 0, 0);
    }
}
