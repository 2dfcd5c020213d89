using DuckDB.NET.Data;
using Ductus.Core.DataContracts;

namespace Ductus.Tests.Unit.Engine;

public sealed class ContractSqlTests
{
    [Theory]
    [InlineData("^[A-Z]{3}$", true)]
    [InlineData("^$", true)]
    [InlineData("^a|b$", false)]
    [InlineData(@"^abc\$", false)]
    [InlineData(@"^abc\\$", true)]
    [InlineData("[A-Z]{3}", false)]
    [InlineData("^[A-Z]", false)]
    public void Only_patterns_anchored_at_both_ends_become_a_full_match(string pattern, bool full) =>
        Assert.Equal(full, !ContractSql.PatternTest("x", pattern).StartsWith("regexp_matches", StringComparison.Ordinal));

    [Theory]
    [InlineData("[A-Z]{3}", "[A-Z][A-Z][A-Z]")]
    [InlineData(@"[A-Z0-9]{2}-\d{4}", "[A-Z0-9][A-Z0-9]-[0-9][0-9][0-9][0-9]")]
    [InlineData("ab_c d", "ab_c d")]
    [InlineData("", "")]
    [InlineData("[^A-Z]", null)]
    [InlineData("[A-Z]+", null)]
    [InlineData("a.c", null)]
    [InlineData("(SFO|LAX)", null)]
    [InlineData("[A-Z]{2,3}", null)]
    [InlineData("[a-]", null)]
    [InlineData("[z-a]", null)]
    [InlineData("a*", null)]
    [InlineData(@"\w", null)]
    public void Fixed_sequences_of_ascii_classes_become_a_glob(string regex, string? glob) =>
        Assert.Equal(glob, ContractSql.AsGlob(regex));

    [Theory]
    [InlineData("^[A-Z]{3}$")]
    [InlineData("^$")]
    [InlineData("^a|b$")]
    [InlineData(@"^abc\$")]
    [InlineData(@"^a\\$")]
    [InlineData("^(SFO|LAX)$")]
    [InlineData("[0-9]")]
    [InlineData("^[A-Z0-9]{2}-\\d{4}$")]
    [InlineData("^[a-c]b$")]
    [InlineData("^x[0-9]y$")]
    [InlineData("^[A-Z]{3}[0-9]$")]
    public async Task The_rewritten_test_accepts_exactly_what_a_search_accepts(string pattern)
    {
        string[] values = ["SFO", "sfo", "SFOX", "", "a", "b", "xa", "bx", "abc$", "abc", @"a\", "LAX", "1", "x1y", "AB-1234", "A1-12345", "ab", "bb", "ÄBC", "SF", "SFO1", "S*O", "[AB", "x1y\n"];
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        foreach (var value in values)
        {
            await using var command = db.CreateCommand();
            command.CommandText = $"SELECT {ContractSql.PatternTest("$1", pattern)} = regexp_matches($1, $2)";
            command.Parameters.Add(new DuckDBParameter(value));
            command.Parameters.Add(new DuckDBParameter(pattern));
            Assert.True((bool)(await command.ExecuteScalarAsync())!, $"pattern {pattern} disagrees on '{value}'");
        }
    }
}
