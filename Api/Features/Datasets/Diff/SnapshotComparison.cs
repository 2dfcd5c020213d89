using System.Text;
using System.Text.Json;
using Ductus.Api.Query;
using Ductus.Core.Quoting;

namespace Ductus.Api.Features.Datasets.Diff;

/// <summary>
/// Compares two versions of a dataset with statements run by the analytics worker, each pinned to
/// one version: the worker reads one version of a dataset per statement, so the two sides cannot
/// meet in one <c>EXCEPT ALL</c>. Each side is read once for its columns, once for per-column
/// min/max/nulls and once as row fingerprints (a 64-bit hash of the common columns as text, with
/// a count per fingerprint); the multiset difference of those fingerprints is the rows added and
/// removed. The fingerprints are the cost: at most the query row cap of distinct rows per side.
/// </summary>
internal sealed class SnapshotComparison(QueryRunner runner, QueryScope scope, string dataset)
{
    /// <summary>The lake's own bookkeeping columns differ between loads of the same row; they are not the data.</summary>
    private const string LakeColumnPrefix = "_ductus_";

    /// <summary>Distinct rows a side may have; more is refused rather than compared in part.</summary>
    public const int MaxDistinctRows = 100_000;

    public async Task<IReadOnlyList<ColumnType>> ColumnsAsync(long version, CancellationToken ct)
    {
        var result = await ReadAsync($"SELECT * FROM {Sql.Ident(dataset)} LIMIT 0", version, null, ct);
        return [.. result.GetProperty("columns").EnumerateArray()
            .Select(c => new ColumnType(c.GetProperty("name").GetString()!, c.GetProperty("type").GetString()!))
            .Where(c => !c.Name.StartsWith(LakeColumnPrefix, StringComparison.OrdinalIgnoreCase))];
    }

    public async Task<IReadOnlyDictionary<string, ColumnStats>> StatsAsync(long version, IReadOnlyList<ColumnType> columns, CancellationToken ct)
    {
        if (columns.Count == 0)
        {
            return new Dictionary<string, ColumnStats>();
        }

        var select = string.Join(", ", columns.Select(c =>
        {
            var name = Sql.Ident(c.Name);
            return $"min({name}), max({name}), count(*) - count({name})";
        }));
        var row = (await ReadAsync($"SELECT {select} FROM {Sql.Ident(dataset)}", version, null, ct)).GetProperty("rows")[0];
        var stats = new Dictionary<string, ColumnStats>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            stats[columns[i].Name] = new ColumnStats(row[3 * i].Clone(), row[(3 * i) + 1].Clone(), row[(3 * i) + 2].GetInt64());
        }

        return stats;
    }

    /// <summary>Fingerprint → rows with it, over <paramref name="common"/>; a 422 when the side has more distinct rows than <see cref="MaxDistinctRows"/>.</summary>
    public async Task<Dictionary<string, long>> FingerprintsAsync(long version, IReadOnlyList<string> common, CancellationToken ct)
    {
        // As text, so a column whose type changed still matches its equal values; a constant when
        // no column is common, so every row is the same row and only the counts differ.
        var hashed = common.Count == 0 ? "'0'" : $"hash({string.Join(", ", common.Select(c => $"CAST({Sql.Ident(c)} AS VARCHAR)"))})::VARCHAR";
        var sql = new StringBuilder()
            .Append("SELECT h, count(*) AS n FROM (SELECT ").Append(hashed).Append(" AS h FROM ").Append(Sql.Ident(dataset)).Append(") GROUP BY h")
            .ToString();
        var result = await ReadAsync(sql, version, MaxDistinctRows, ct);
        if (result.GetProperty("truncated").GetBoolean())
        {
            throw new QueryFailedException(StatusCodes.Status422UnprocessableEntity,
                $"Version {version} has more than {MaxDistinctRows} distinct rows; a comparison reads every distinct row of both versions and stops there.");
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in result.GetProperty("rows").EnumerateArray())
        {
            counts[row[0].GetString()!] = row[1].GetInt64();
        }

        return counts;
    }

    /// <summary>Rows of <paramref name="of"/> beyond those in <paramref name="minus"/>: <c>EXCEPT ALL</c> by counts.</summary>
    public static long Except(IReadOnlyDictionary<string, long> of, IReadOnlyDictionary<string, long> minus) =>
        of.Sum(p => Math.Max(0, p.Value - minus.GetValueOrDefault(p.Key)));

    private Task<JsonElement> ReadAsync(string sql, long version, int? limit, CancellationToken ct) =>
        runner.ReadJsonAsync(scope, sql, new Dictionary<string, long> { [dataset] = version }, limit, ct);
}
