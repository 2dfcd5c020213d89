using System.Text;
using Ductus.Api.Ingest;

namespace Ductus.Tests.Unit.Ingest;

/// <summary>The body readers of the ingest endpoint: what they hand on, and how they refuse.</summary>
public sealed class IngestFormatsTests
{
    [Fact]
    public async Task Ndjson_records_are_handed_on_as_sent_trimmed_with_blank_lines_crlf_and_a_bom_skipped()
    {
        var body = "\uFEFF{\"id\": 1, \"name\": \"a\"}\r\n\r\n   \n  {\"id\":2,\"name\":\"é ü\"}  \n{}\n{\"id\": 3}";
        var records = await ReadAsync(IngestFormat.Ndjson, Encoding.UTF8.GetBytes(body));
        Assert.Equal(["{\"id\": 1, \"name\": \"a\"}", "{\"id\":2,\"name\":\"é ü\"}", "{}", "{\"id\": 3}"], records);
    }

    [Fact]
    public async Task Ndjson_lines_longer_than_the_read_buffer_and_split_across_reads_arrive_whole()
    {
        var big = $"{{\"id\": 1, \"text\": \"{new string('x', 200_000)}\"}}";
        var body = Encoding.UTF8.GetBytes($"{{\"id\": 0}}\n{big}\n{{\"id\": 2}}\n");
        var records = await ReadAsync(IngestFormat.Ndjson, body, chunk: 7);
        Assert.Equal(["{\"id\": 0}", big, "{\"id\": 2}"], records);
    }

    [Theory]
    [InlineData("{\"a\": 1}\n{\"a\": \n", "line 2", "is not valid JSON")]
    [InlineData("{\"a\": 1}\n[1, 2]\n", "line 2", "is a JSON array, not an object")]
    [InlineData("{\"a\": 1}\n\n\"text\"\n", "line 3", "is a JSON string, not an object")]
    [InlineData("42\n", "line 1", "is a JSON number, not an object")]
    [InlineData("{\"a\": 1} {\"b\": 2}\n", "line 1", "is not valid JSON")]
    [InlineData("{\"a\": 1}\n{\"a\": 1}}\n", "line 2", "is not valid JSON")]
    [InlineData("\n  \n", "body", "holds no records")]
    [InlineData("", "body", "holds no records")]
    public async Task Malformed_ndjson_is_refused_naming_the_line_and_the_reason(string body, string where, string reason)
    {
        var e = await Assert.ThrowsAsync<IngestFormatException>(() => ReadAsync(IngestFormat.Ndjson, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(where, e.Where);
        Assert.StartsWith(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ndjson_that_is_not_utf8_is_refused()
    {
        byte[] body = [.. "{\"id\": 1}\n{\"name\": \""u8, 0xC3, 0x28, .. "\"}\n"u8];
        var e = await Assert.ThrowsAsync<IngestFormatException>(() => ReadAsync(IngestFormat.Ndjson, body));
        Assert.Equal("line 2", e.Where);
        Assert.Equal("is not valid UTF-8", e.Reason);
    }

    [Fact]
    public async Task A_json_array_hands_on_each_object_as_its_raw_text()
    {
        var records = await ReadAsync(IngestFormat.Json, Encoding.UTF8.GetBytes("[{\"id\": 1, \"tags\": [\"a\"]},\n {\"id\":2}]"));
        Assert.Equal(["{\"id\": 1, \"tags\": [\"a\"]}", "{\"id\":2}"], records);
    }

    [Theory]
    [InlineData("[{\"id\": 1}, 5]", "record 2", "is a JSON number, not an object")]
    [InlineData("[]", "body", "holds no records")]
    [InlineData("{\"id\": 1}", "line 1, byte 2", "the body must be a JSON array of objects")]
    public async Task A_malformed_json_array_is_refused_naming_the_record(string body, string where, string reason)
    {
        var e = await Assert.ThrowsAsync<IngestFormatException>(() => ReadAsync(IngestFormat.Json, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(where, e.Where);
        Assert.StartsWith(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_rows_become_objects_of_strings_with_empty_unquoted_fields_null()
    {
        var body = "id,name,note\r\n1,\"Smith, \"\"J\"\"\",\n2,é,\"\"\n";
        var records = await ReadAsync(IngestFormat.Csv, Encoding.UTF8.GetBytes(body));
        Assert.Equal(
            ["{\"id\":\"1\",\"name\":\"Smith, \\\"J\\\"\",\"note\":null}", "{\"id\":\"2\",\"name\":\"é\",\"note\":\"\"}"],
            records);
    }

    [Theory]
    [InlineData("id,name\n1,a,b\n", "line 2", "has 3 fields, the header has 2")]
    [InlineData("id,id\n1,2\n", "line 1", "the header names a column twice")]
    [InlineData("id,name\n", "body", "holds a header but no records")]
    [InlineData("id,name\n1,\"open\n", "line 2", "a quoted field is never closed")]
    public async Task Malformed_csv_is_refused_naming_the_line(string body, string where, string reason)
    {
        var e = await Assert.ThrowsAsync<IngestFormatException>(() => ReadAsync(IngestFormat.Csv, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(where, e.Where);
        Assert.Equal(reason, e.Reason);
    }

    [Theory]
    [InlineData("application/json", IngestFormat.Json)]
    [InlineData("application/x-ndjson", IngestFormat.Ndjson)]
    [InlineData("APPLICATION/JSONL", IngestFormat.Ndjson)]
    [InlineData("text/csv", IngestFormat.Csv)]
    public void Content_types_choose_the_format(string type, IngestFormat format) =>
        Assert.Equal(format, IngestFormats.FromMediaType(type));

    [Fact]
    public void Other_content_types_choose_none() => Assert.Null(IngestFormats.FromMediaType("text/plain"));

    /// <summary>Reads a body as the endpoint does, copying each record before asking for the next (its memory is reused).</summary>
    private static async Task<List<string>> ReadAsync(IngestFormat format, byte[] body, int chunk = int.MaxValue)
    {
        var records = new List<string>();
        await using var stream = new ChunkedStream(body, chunk);
        await foreach (var record in IngestFormats.ReadAsync(format, stream, CancellationToken.None))
        {
            records.Add(Encoding.UTF8.GetString(record.Span));
        }

        return records;
    }

    /// <summary>Hands out at most <c>chunk</c> bytes a read, as a slow network does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
