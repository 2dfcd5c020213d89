using DuckDB.NET.Data;

namespace Ductus.Bench;

/// <summary>The baseline: DuckDB reading the CSV and writing Parquet, no contract at all.</summary>
internal static class RawDuckDb
{
    public static async Task<Measurement> CopyAsync(string csv, string outDir)
    {
        Directory.CreateDirectory(outDir);
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = $"COPY (SELECT * FROM read_csv('{csv}')) TO '{Path.Combine(outDir, "raw.parquet")}' (FORMAT parquet, COMPRESSION zstd)";
        var rows = await command.ExecuteNonQueryAsync();
        return new Measurement("duckdb-copy", rows, 0, 0, rows, 0);
    }
}
