using System.Text;
using Ductus.Analytics.Query;

namespace Ductus.Tests.Unit.Query;

/// <summary>Real DuckDB values (no dataset needed: a sandbox with no views) through each writer.</summary>
public sealed class QueryResultWriterTests : IAsyncLifetime
{
    private const string AllTypes = """
        SELECT 42::BIGINT AS big, 170141183460469231731687303715884105727::HUGEINT AS huge, 12.345::DECIMAL(18,3) AS dec,
               1.5::DOUBLE AS dbl, 'nan'::DOUBLE AS nan, true AS flag, 'a,"b"' AS txt, NULL::INTEGER AS nothing,
               DATE '2024-02-29' AS day, TIMESTAMP '2024-02-29 13:45:00.25' AS ts, [1, 2] AS list, {'k': 'v'} AS obj,
               '\x01\x02'::BLOB AS bin
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ductus-writer-" + Guid.NewGuid().ToString("N")[..8]);
    private QuerySandbox _sandbox = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _sandbox = await QuerySandbox.OpenAsync(_folder, new Dictionary<string, IReadOnlyList<string>>(),
            new QueryOptions { ScratchDirectory = Path.Combine(_folder, "scratch") });
    }

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<string> WriteAsync(Func<QueryCursor, Stream, Task> write)
    {
        await using var cursor = await _sandbox.QueryAsync(AllTypes, null, 10, TimeSpan.FromSeconds(10));
        using var buffer = new MemoryStream();
        await write(cursor, buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Json_keeps_numbers_exact_and_nests_lists_and_structs()
    {
        var json = await WriteAsync((c, s) => QueryResultWriter.WriteJsonAsync(c, s));

        Assert.Contains("""{"name":"huge","type":"HUGEINT"}""", json, StringComparison.Ordinal);
        Assert.Contains("""{"name":"dec","type":"DECIMAL(18,3)"}""", json, StringComparison.Ordinal);
        Assert.EndsWith(
            """rows":[[42,170141183460469231731687303715884105727,12.345,1.5,"NaN",true,"a,\u0022b\u0022",null,"2024-02-29","2024-02-29 13:45:00.25",[1,2],{"k":"v"},"AQI="]],"truncated":false}""",
            json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_quotes_what_needs_quoting_and_leaves_null_empty()
    {
        var csv = await WriteAsync((c, s) => QueryResultWriter.WriteCsvAsync(c, s));

        Assert.Equal(
            "big,huge,dec,dbl,nan,flag,txt,nothing,day,ts,list,obj,bin\r\n"
            + "42,170141183460469231731687303715884105727,12.345,1.5,NaN,true,\"a,\"\"b\"\"\",,2024-02-29,2024-02-29 13:45:00.25,\"[1,2]\",\"{\"\"k\"\":\"\"v\"\"}\",AQI=\r\n",
            csv);
    }
}
