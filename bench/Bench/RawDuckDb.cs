using DuckDB.NET.Data;

namespace Ductus.Bench;

/// <summary>The baseline: DuckDB reading the CSV and writing Parquet, no contract at all.</summary>
internal static class RawDuckDb
{
    /// <summary>The baseline's one statement (the pipeline-profile bench runs it too).</summary>
    public static string Statement(string csv, string parquet) =>
        $"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)";

    public static async Task<Measurement> CopyAsync(string csv, string outDir)
    {
        Directory.CreateDirectory(outDir);
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = Statement(csv, Path.Combine(outDir, "raw.parquet"));
        var rows = await command.ExecuteNonQueryAsync();
        return new Measurement("duckdb-copy", rows, 0, 0, rows, 0);
    }
}
