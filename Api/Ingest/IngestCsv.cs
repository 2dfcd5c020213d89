using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ductus.Api.Ingest;

/// <summary>The CSV body reader of the ingest endpoint (<see cref="IngestFormat.Csv"/>).</summary>
internal static class IngestCsv
{
    /// <summary>
    /// RFC 4180 CSV with a header line: every field becomes a string (an empty unquoted field
    /// null); the contract's types convert them, as they do for a CSV file source.
    /// </summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var parser = new CsvRecords(reader);
        string[]? header = null;
        var output = new ArrayBufferWriter<byte>(1024);
        var records = 0;
        while (await parser.NextAsync(ct) is { } fields)
        {
            if (header is null)
            {
                if (fields.Any(f => f.Value is null || f.Value.Length == 0))
                {
                    throw new IngestFormatException($"line {parser.Line}", "the header names an empty column");
                }

                header = [.. fields.Select(f => f.Value!)];
                if (header.Distinct(StringComparer.Ordinal).Count() != header.Length)
                {
                    throw new IngestFormatException($"line {parser.Line}", "the header names a column twice");
                }

                continue;
            }

            if (fields.Count != header.Length)
            {
                throw new IngestFormatException($"line {parser.Line}", $"has {fields.Count} fields, the header has {header.Length}");
            }

            output.Clear();
            using (var json = new Utf8JsonWriter(output, CsvJson))
            {
                json.WriteStartObject();
                for (var i = 0; i < header.Length; i++)
                {
                    if (fields[i].Value is { } value)
                    {
                        json.WriteString(header[i], value);
                    }
                    else
                    {
                        json.WriteNull(header[i]);
                    }
                }

                json.WriteEndObject();
            }

            records++;
            yield return output.WrittenMemory;
        }

        if (records == 0)
        {
            throw new IngestFormatException("body", header is null ? "holds no header and no records" : "holds a header but no records");
        }
    }

    // The JSON is stored and read back by machines, never put into HTML: only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions CsvJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A field as read: null for an empty unquoted field.</summary>
    private readonly record struct CsvField(string? Value);

    /// <summary>Splits a CSV stream into records, quoted fields spanning lines included.</summary>
    private sealed class CsvRecords(TextReader reader)
    {
        private readonly char[] buffer = new char[1 << 16];
        private readonly StringBuilder field = new();
        private int position;
        private int length;
        private int physicalLine = 1;

        /// <summary>The line the last record started on (1-based).</summary>
        public int Line { get; private set; }

        public async Task<List<CsvField>?> NextAsync(CancellationToken ct)
        {
            var fields = new List<CsvField>();
            var quoted = false;
            var inQuotes = false;
            var afterQuote = false;
            var any = false;
            Line = physicalLine;
            field.Clear();
            while (true)
            {
                if (position == length)
                {
                    length = await reader.ReadAsync(buffer.AsMemory(), ct);
                    position = 0;
                    if (length == 0)
                    {
                        if (inQuotes)
                        {
                            throw new IngestFormatException($"line {Line}", "a quoted field is never closed");
                        }

                        if (!any)
                        {
                            return null;
                        }

                        fields.Add(Field(quoted));
                        return fields;
                    }
                }

                var c = buffer[position++];
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        inQuotes = false;
                        afterQuote = true;
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            physicalLine++;
                        }

                        field.Append(c);
                    }

                    continue;
                }

                if (c == '"')
                {
                    if (afterQuote)
                    {
                        // "" inside a quoted field is one quote.
                        field.Append('"');
                        inQuotes = true;
                        afterQuote = false;
                        continue;
                    }

                    if (field.Length > 0)
                    {
                        throw new IngestFormatException($"line {physicalLine}", "a quote inside an unquoted field (quote the whole field and double the quote)");
                    }

                    quoted = true;
                    inQuotes = true;
                    any = true;
                    continue;
                }

                if (c is ',')
                {
                    fields.Add(Field(quoted));
                    quoted = afterQuote = false;
                    any = true;
                    continue;
                }

                if (c is '\r')
                {
                    continue;
                }

                if (c is '\n')
                {
                    physicalLine++;
                    if (!any && field.Length == 0)
                    {
                        // A blank line separates nothing.
                        Line = physicalLine;
                        continue;
                    }

                    fields.Add(Field(quoted));
                    return fields;
                }

                if (afterQuote)
                {
                    throw new IngestFormatException($"line {physicalLine}", "text after the closing quote of a field");
                }

                field.Append(c);
                any = true;
            }
        }

        private CsvField Field(bool quoted)
        {
            var value = field.ToString();
            field.Clear();
            return new CsvField(value.Length == 0 && !quoted ? null : value);
        }
    }
}
