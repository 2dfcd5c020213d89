namespace Ductus.Pipelines.Engine;

/// <summary>
/// Lines DuckDB's CSV reader refused (broken quoting, a wrong number of fields, a value that does
/// not fit a listed column's type). The reader keeps them in two tables of the run's DuckDB
/// instead of failing the read; the run counts them as rejects of the rule <c>parse</c>.
/// </summary>
internal static class CsvParseRejects
{
    private const string Errors = "ductus_reject_errors";
    private const string Scans = "ductus_reject_scans";

    /// <summary>The <c>read_csv</c> options that keep refused lines in those tables.</summary>
    public const string ReaderOptions = $"store_rejects = true, rejects_table = '{Errors}', rejects_scan = '{Scans}'";

    /// <summary>
    /// How many lines the reader refused (one per line, however many errors it had), and the query
    /// that reads them back as line, message and raw text in file and line order; none when the
    /// reader kept no tables.
    /// </summary>
    public static async Task<(long Count, string? Sql)> CountAsync(DuckDbSession db)
    {
        if (!await db.TableExistsAsync(Errors))
        {
            return (0, null);
        }

        var groups = $"""
            SELECT e.line, string_agg(DISTINCT e.error_message, '; ') AS message, first(e.csv_line) AS raw, s.file_path
            FROM {Errors} e JOIN {Scans} s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
            GROUP BY s.file_path, e.line
            """;
        return (await db.ScalarAsync($"SELECT count(*) FROM ({groups})"), $"SELECT line, message, raw FROM ({groups}) ORDER BY file_path, line");
    }
}
