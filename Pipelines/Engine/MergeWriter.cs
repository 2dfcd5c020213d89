using Ductus.Core.Lake;
using Ductus.Core.Quoting;

namespace Ductus.Pipelines.Engine;

/// <summary>What a merge changes besides adding the run's new files.</summary>
/// <param name="Rewritten">Copies of current files without the rows the run replaces (none when a file held only such rows).</param>
/// <param name="Removed">Lake-relative paths of the current files those copies replace.</param>
internal sealed record MergeResult(IReadOnlyList<LakeFile> Rewritten, IReadOnlyList<string> Removed, long RowsReplaced);

/// <summary>
/// Merge on key as copy-on-write: every current file that holds a key present in the run's new
/// rows is rewritten without those rows, and the commit swaps the rewritten files in and adds the
/// new ones, all in one snapshot. Older snapshots keep pointing at the untouched originals.
/// </summary>
internal sealed class MergeWriter(DuckDbSession db)
{
    private const string Keys = "ductus_merge_keys";

    /// <param name="key">Merge key columns.</param>
    /// <param name="newFiles">The files this run wrote (absolute paths), holding the new rows.</param>
    /// <param name="current">The files of the dataset's current snapshot.</param>
    /// <param name="lakeRoot">Absolute lake root the relative paths are under.</param>
    /// <param name="rewrittenPath">Where to write the rewrite of the n-th touched file (absolute).</param>
    /// <param name="stats">Reads a written file's footer into a <see cref="LakeFile"/>.</param>
    public async Task<MergeResult> MergeAsync(
        IReadOnlyList<string> key,
        IReadOnlyList<string> newFiles,
        IReadOnlyList<LakeFile> current,
        string lakeRoot,
        Func<int, string> rewrittenPath,
        Func<string, Task<LakeFile>> stats)
    {
        var keyList = string.Join(", ", key.Select(Sql.Ident));
        await db.ExecAsync($"CREATE OR REPLACE TEMP TABLE {Keys} AS SELECT DISTINCT {keyList} FROM read_parquet({Sql.List(newFiles)})");
        await CheckKeysAsync(key, newFiles);

        // The new keys' range per column: a file whose own range misses it cannot hold them.
        var ranges = new List<(string Column, string Type)>();
        foreach (var column in key)
        {
            ranges.Add((column, await db.ScalarTextAsync($"SELECT typeof({Sql.Ident(column)}) FROM {Keys} LIMIT 1") ?? "VARCHAR"));
        }

        var rewritten = new List<LakeFile>();
        var removed = new List<string>();
        long replaced = 0;
        foreach (var file in current)
        {
            if (await CannotHoldAsync(file, ranges))
            {
                continue;
            }

            var path = Sql.Literal(Path.Combine(lakeRoot, file.RelativePath));
            var match = string.Join(" AND ", key.Select(k => $"o.{Sql.Ident(k)} = m.{Sql.Ident(k)}"));
            var hits = await db.ScalarAsync($"SELECT count(*) FROM read_parquet({path}) AS o WHERE EXISTS (SELECT 1 FROM {Keys} AS m WHERE {match})");
            if (hits == 0)
            {
                continue;
            }

            replaced += hits;
            removed.Add(file.RelativePath);
            if (hits == file.Rows)
            {
                continue;
            }

            var target = rewrittenPath(rewritten.Count);
            await db.ExecAsync($"""
                COPY (SELECT * FROM read_parquet({path}) AS o WHERE NOT EXISTS (SELECT 1 FROM {Keys} AS m WHERE {match}))
                TO {Sql.Literal(target)} (FORMAT parquet, COMPRESSION zstd)
                """);
            rewritten.Add(await stats(target));
        }

        await db.ExecAsync($"DROP TABLE {Keys}");
        return new MergeResult(rewritten, removed, replaced);
    }

    /// <summary>
    /// One run may not carry the same key twice: which row should win would depend on read order.
    /// The run fails instead; <c>contract.unique_key</c> quarantines such rows before the load.
    /// </summary>
    private async Task CheckKeysAsync(IReadOnlyList<string> key, IReadOnlyList<string> newFiles)
    {
        var keyList = string.Join(", ", key.Select(Sql.Ident));
        var files = Sql.List(newFiles);
        var nulls = await db.ScalarAsync($"SELECT count(*) FROM read_parquet({files}) WHERE {string.Join(" OR ", key.Select(k => $"{Sql.Ident(k)} IS NULL"))}");
        if (nulls > 0)
        {
            throw new IOException($"target.key: {nulls} loaded rows have no value in {string.Join(", ", key)}; a merge needs every key (mark the key columns required in the contract).");
        }

        var example = await db.ScalarTextAsync($"""
            SELECT CAST(({keyList}) AS VARCHAR) FROM read_parquet({files}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1
            """);
        if (example is not null)
        {
            throw new IOException($"target.key: the run has more than one row for key {example}; add contract.unique_key: [{string.Join(", ", key)}] to quarantine such rows.");
        }
    }

    private async Task<bool> CannotHoldAsync(LakeFile file, IReadOnlyList<(string Column, string Type)> ranges)
    {
        foreach (var (column, type) in ranges)
        {
            if (!file.Stats.TryGetValue(column, out var s) || s.Min is null || s.Max is null)
            {
                continue;
            }

            var c = Sql.Ident(column);
            var disjoint = await db.ScalarTextAsync($"""
                SELECT CAST(max({c}) < TRY_CAST({Sql.Literal(s.Min)} AS {type}) OR min({c}) > TRY_CAST({Sql.Literal(s.Max)} AS {type}) AS VARCHAR) FROM {Keys}
                """);
            if (disjoint == "true")
            {
                return true;
            }
        }

        return false;
    }
}
