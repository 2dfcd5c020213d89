using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Tests.Unit.Engine;

namespace Ductus.Tests.Unit.Specs;

/// <summary>Memory limits as specs and configuration write them.</summary>
public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData(" 2GiB ", 2_147_483_648L)]
    [InlineData("128mb", 128_000_000L)]
    [InlineData("1TB", 1_000_000_000_000L)]
    public void Sizes_people_write_are_read_in_bytes(string text, long bytes) => Assert.Equal(bytes, MemorySize.Bytes(text));

    [Theory]
    [InlineData("64MB")] // a run cannot write its Parquet below 128MB
    [InlineData("lots")]
    [InlineData("512")]
    [InlineData("512 MB; SET threads = 64")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused(string? text) => Assert.Null(MemorySize.Bytes(text));

    [Fact]
    public void A_spec_with_a_bad_memory_limit_is_refused_at_its_path_and_a_good_one_writes_back()
    {
        var bad = SpecParser.ParseYaml("name: p\nsource: { kind: csv, path: x.csv }\ntarget: { dataset: p }\nmemory_limit: 10MB\n").Spec!;
        var good = EngineScratch.Parse("name: p\nsource: { kind: csv, path: x.csv }\ntarget: { dataset: p }\nmemory_limit: 512MB\n");

        Assert.Contains(SpecValidator.Validate(bad, new SourceRoots(Path.GetTempPath())), e => e.Path == "memory_limit" && e.Message.StartsWith("'10MB' is not a size such as 512MB", StringComparison.Ordinal));
        Assert.Equal("512MB", SpecParser.ParseJson(SpecWriter.ToJson(good)).Spec!.MemoryLimit);
    }
}
