using Ductus.Core.Lake;

namespace Ductus.Pipelines.Lake;

/// <summary>
/// Which small files an append run rewrites into one. Every append adds a file, and an ingest
/// pipeline appends about once a second: after a day a dataset would have tens of thousands of
/// files, and every query (and every new query sandbox) opens all of them. Files are grouped in
/// size tiers, each <see cref="TierFactor"/> times the one below (under 1 MiB, 1–16 MiB,
/// 16–256 MiB, …); when one tier holds <c>filesPerTier</c> files they become one file of about
/// the next tier. A row is so rewritten about once per tier it passes through, and a dataset
/// keeps at most <c>filesPerTier - 1</c> files per tier plus its large ones.
/// </summary>
public static class LakeCompaction
{
    public const int TierFactor = 16;

    /// <summary>Tier 0 is every file under this size.</summary>
    public const long TierZeroBytes = 1L << 20;

    /// <summary>Files this large are never rewritten.</summary>
    public const long LargeFileBytes = 1L << 30;

    /// <summary>The files to rewrite into one, oldest first (the snapshot's order), or none.</summary>
    /// <param name="filesPerTier">How many files of one tier make a compaction; below 2, never.</param>
    public static IReadOnlyList<LakeFile> Pick(IReadOnlyList<LakeFile> files, int filesPerTier)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (filesPerTier < 2)
        {
            return [];
        }

        var due = files.Where(f => f.Bytes < LargeFileBytes)
            .GroupBy(f => Tier(f.Bytes))
            .Where(g => g.Count() >= filesPerTier)
            .OrderBy(g => g.Key)
            .FirstOrDefault();
        return due is null ? [] : [.. due.Take(filesPerTier)];
    }

    /// <summary>0 under <see cref="TierZeroBytes"/>, then one more for every factor of <see cref="TierFactor"/>.</summary>
    public static int Tier(long bytes)
    {
        var tier = 0;
        for (var bound = TierZeroBytes; bytes >= bound && tier < 16; bound *= TierFactor)
        {
            tier++;
        }

        return tier;
    }
}
