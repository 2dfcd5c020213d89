using Ductus.Core.Lake;
using Ductus.Pipelines.Lake;

namespace Ductus.Tests.Unit.Lake;

public sealed class LakeCompactionTests
{
    private const long MiB = 1L << 20;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(MiB - 1, 0)]
    [InlineData(MiB, 1)]
    [InlineData(16 * MiB - 1, 1)]
    [InlineData(16 * MiB, 2)]
    [InlineData(256 * MiB, 3)]
    public void Tiers_grow_by_a_factor_of_sixteen_from_one_mebibyte(long bytes, int tier) =>
        Assert.Equal(tier, LakeCompaction.Tier(bytes));

    [Fact]
    public void The_lowest_tier_with_enough_files_is_picked_oldest_first_and_no_more_than_the_tier_size()
    {
        var files = new List<LakeFile>();
        files.AddRange(Enumerable.Range(0, 3).Select(i => File($"mid-{i}", 2 * MiB)));
        files.AddRange(Enumerable.Range(0, 5).Select(i => File($"small-{i}", 1000)));
        files.Add(File("large", LakeCompaction.LargeFileBytes));

        Assert.Equal(["small-0", "small-1", "small-2", "small-3"], LakeCompaction.Pick(files, 4).Select(f => f.RelativePath));
        Assert.Equal(["mid-0", "mid-1", "mid-2"], LakeCompaction.Pick(files[..3], 3).Select(f => f.RelativePath));
    }

    [Fact]
    public void Nothing_is_picked_below_the_tier_size_for_large_files_or_with_compaction_off()
    {
        var small = Enumerable.Range(0, 3).Select(i => File($"small-{i}", 1000)).ToList();
        Assert.Empty(LakeCompaction.Pick(small, 4));
        Assert.Empty(LakeCompaction.Pick(small, 0));
        Assert.Empty(LakeCompaction.Pick(small, 1));
        Assert.Empty(LakeCompaction.Pick([.. Enumerable.Range(0, 20).Select(i => File($"large-{i}", 2 * LakeCompaction.LargeFileBytes))], 4));
    }

    private static LakeFile File(string name, long bytes) => new(name, 10, bytes, new Dictionary<string, ColumnStats>());
}
