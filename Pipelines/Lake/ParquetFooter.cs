using Ductus.Core.Lake;
using Ductus.Core.Quoting;
using Ductus.Pipelines.Engine;

namespace Ductus.Pipelines.Lake;

/// <summary>
/// What the catalog records of a lake file, read from its Parquet footer rather than by scanning
/// its rows again: the row count and each column's min, max and null count. Runs and the
/// compactor both describe the files they write this way, so the stats pruning relies on are
/// computed one way.
/// </summary>
internal static class ParquetFooter
{
    /// <summary>The file as the catalog lists it, its columns described by DuckDB.</summary>
    public static async Task<LakeFile> ReadAsync(DuckDbSession db, string path, string relativePath)
    {
        var columns = await db.DescribeAsync($"SELECT * FROM read_parquet({Sql.Literal(path)})");
        var rows = await db.ScalarAsync($"SELECT CAST(coalesce(sum(num_rows), 0) AS BIGINT) FROM parquet_file_metadata({Sql.Literal(path)})");
        return new LakeFile(relativePath, rows, new FileInfo(path).Length, await StatsAsync(db, path, columns));
    }

    /// <summary>Min, max and null count per column, each min and max cast back to the column's type so they compare as values.</summary>
    public static async Task<IReadOnlyDictionary<string, ColumnStats>> StatsAsync(
        DuckDbSession db, string path, IReadOnlyList<(string Name, string Type)> columns)
    {
        var stats = new Dictionary<string, ColumnStats>(StringComparer.Ordinal);
        if (columns.Count == 0)
        {
            return stats;
        }

        var file = Sql.Literal(path);
        var union = string.Join("\nUNION ALL\n", columns.Select(d => $"""
            SELECT {Sql.Literal(d.Name)},
                   CAST(min(TRY_CAST(stats_min_value AS {d.Type})) AS VARCHAR),
                   CAST(max(TRY_CAST(stats_max_value AS {d.Type})) AS VARCHAR),
                   CAST(coalesce(sum(stats_null_count), 0) AS BIGINT)
            FROM parquet_metadata({file}) WHERE path_in_schema = {Sql.Literal(d.Name)}
            """));
        await using var query = db.Command(union);
        await using var reader = await query.ExecuteReaderAsync(db.Token);
        while (await reader.ReadAsync(db.Token))
        {
            stats[reader.GetString(0)] = new ColumnStats(
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt64(3));
        }

        return stats;
    }
}
