using Ductus.Core.Engine;
using DuckDB.NET.Data;

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
        Assert.Equal(full, ContractSql.PatternTest("x", pattern).StartsWith("regexp_full_match", StringComparison.Ordinal));

    [Theory]
    [InlineData("^[A-Z]{3}$")]
    [InlineData("^$")]
    [InlineData("^a|b$")]
    [InlineData(@"^abc\$")]
    [InlineData(@"^a\\$")]
    [InlineData("^(SFO|LAX)$")]
    [InlineData("[0-9]")]
    public async Task The_rewritten_test_accepts_exactly_what_a_search_accepts(string pattern)
    {
        string[] values = ["SFO", "sfo", "SFOX", "", "a", "b", "xa", "bx", "abc$", "abc", @"a\", "LAX", "1", "x1y"];
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
