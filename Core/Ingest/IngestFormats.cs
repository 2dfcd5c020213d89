using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Ductus.Core.Ingest;

/// <summary>The body formats the ingest endpoint accepts, chosen by Content-Type.</summary>
public enum IngestFormat
{
    Json,
    Ndjson,
    Csv,
}

/// <summary>A body that cannot be read as records: <see cref="Where"/> names the line or record.</summary>
public sealed class IngestFormatException : Exception
{
    public IngestFormatException()
    {
    }

    public IngestFormatException(string message)
        : base(message)
    {
    }

    public IngestFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public IngestFormatException(string where, string reason)
        : base($"{where}: {reason}") => (Where, Reason) = (where, reason);

    public string Where { get; } = "body";

    public string Reason { get; } = string.Empty;
}

/// <summary>
/// Reads a pushed body as a stream of records, each a JSON object as text, without holding the
/// body in memory. Anything malformed stops the stream with an <see cref="IngestFormatException"/>
/// naming where and why, so the caller can roll the whole batch back.
/// </summary>
public static class IngestFormats
{
    public static readonly string[] JsonTypes = ["application/json"];
    public static readonly string[] NdjsonTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines"];
    public static readonly string[] CsvTypes = ["text/csv", "application/csv"];

    public static IngestFormat? FromMediaType(string? mediaType) =>
        mediaType is null ? null
        : JsonTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? IngestFormat.Json
        : NdjsonTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? IngestFormat.Ndjson
        : CsvTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? IngestFormat.Csv
        : null;

    public static string Name(IngestFormat format) => format.ToString().ToLowerInvariant();

    public static IAsyncEnumerable<string> ReadAsync(IngestFormat format, Stream body, CancellationToken ct) => format switch
    {
        IngestFormat.Json => ReadJsonArrayAsync(body, ct),
        IngestFormat.Ndjson => ReadNdjsonAsync(body, ct),
        _ => ReadCsvAsync(body, ct),
    };

    private static async IAsyncEnumerable<string> ReadJsonArrayAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        var index = 0;
        await using var records = DeserializeAsync(body, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            JsonElement element;
            try
            {
                if (!await records.MoveNextAsync())
                {
                    break;
                }

                element = records.Current;
            }
            catch (JsonException e)
            {
                var where = e.LineNumber is { } line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : "body";
                // The deserializer reads ahead of what it has yielded, so the record is taken from its path ($[i]...).
                var record = e.Path is { } path && path.StartsWith("$[", StringComparison.Ordinal)
                    && int.TryParse(path.AsSpan(2, Math.Max(0, path.IndexOf(']', StringComparison.Ordinal) - 2)), NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                    ? i + 1
                    : (int?)null;
                throw new IngestFormatException(where, record is null
                    ? "the body must be a JSON array of objects (" + FirstSentence(e.Message) + ")"
                    : $"record {record} is not valid JSON ({FirstSentence(e.Message)})");
            }

            index++;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new IngestFormatException($"record {index}", $"is a JSON {element.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            yield return element.GetRawText();
        }

        if (index == 0)
        {
            throw new IngestFormatException("body", "holds no records");
        }
    }

    private static IAsyncEnumerable<JsonElement> DeserializeAsync(Stream body, CancellationToken ct) =>
        JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, JsonSerializerOptions.Default, ct);

    private static async IAsyncEnumerable<string> ReadNdjsonAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var lineNumber = 0;
        var records = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonValueKind kind;
            try
            {
                using var document = JsonDocument.Parse(line);
                kind = document.RootElement.ValueKind;
            }
            catch (JsonException e)
            {
                throw new IngestFormatException($"line {lineNumber}", $"is not valid JSON ({FirstSentence(e.Message)})");
            }

            if (kind != JsonValueKind.Object)
            {
                throw new IngestFormatException($"line {lineNumber}", $"is a JSON {kind.ToString().ToLowerInvariant()}, not an object");
            }

            records++;
            yield return line;
        }

        if (records == 0)
        {
            throw new IngestFormatException("body", "holds no records");
        }
    }

    /// <summary>
    /// RFC 4180 CSV with a header line: every field becomes a string (an empty unquoted field
    /// null); the contract's types convert them, as they do for a CSV file source.
    /// </summary>
    private static async IAsyncEnumerable<string> ReadCsvAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
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
            using (var json = new Utf8JsonWriter(output))
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
            yield return Encoding.UTF8.GetString(output.WrittenSpan);
        }

        if (records == 0)
        {
            throw new IngestFormatException("body", header is null ? "holds no header and no records" : "holds a header but no records");
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

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
