using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Ductus.Core.Ingest;

namespace Ductus.Api.Ingest;

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

    /// <summary>
    /// The body's records, each one JSON object as UTF-8. A record's memory is valid until the
    /// next one is asked for: write it out (the buffer copies it into COPY) before moving on.
    /// </summary>
    public static IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(IngestFormat format, Stream body, CancellationToken ct) => format switch
    {
        IngestFormat.Json => ReadJsonArrayAsync(body, ct),
        IngestFormat.Ndjson => ReadNdjsonAsync(body, ct),
        _ => IngestCsv.ReadAsync(body, ct),
    };

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadJsonArrayAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
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

            var raw = JsonMarshal.GetRawUtf8Value(element).ToArray();
            if (!Utf8.IsValid(raw))
            {
                throw new IngestFormatException($"record {index}", "is not valid UTF-8");
            }

            yield return raw;
        }

        if (index == 0)
        {
            throw new IngestFormatException("body", "holds no records");
        }
    }

    private static IAsyncEnumerable<JsonElement> DeserializeAsync(Stream body, CancellationToken ct) =>
        JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, JsonSerializerOptions.Default, ct);

    /// <summary>
    /// One object a line, read as bytes straight from the request: each line is checked (valid
    /// UTF-8, one complete JSON object) and handed on as it is, never decoded into a string, so a
    /// push costs one pass over its bytes here and PostgreSQL stores the same bytes.
    /// </summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadNdjsonAsync(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        // A yielded line stays put in the window until the caller asks for the next one.
        var window = new ByteWindow();
        int lineNumber = 0, records = 0;
        var eof = false;
        while (true)
        {
            var newline = window.Available.Span.IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                eof = await window.FillAsync(body, ct) == 0;
                continue;
            }

            if (newline < 0 && window.Available.IsEmpty)
            {
                break;
            }

            var length = newline < 0 ? window.Available.Length : newline;
            var line = window.Available[..length];
            window.Consume(newline < 0 ? length : length + 1);
            lineNumber++;
            if (lineNumber == 1 && line.Span.StartsWith(Utf8Bom))
            {
                line = line[Utf8Bom.Length..];
            }

            // Stored trimmed: the drain relies on a record starting with its "{".
            line = line.Trim(Blank);
            if (line.IsEmpty)
            {
                continue;
            }

            if (CheckObject(line.Span) is { } problem)
            {
                throw new IngestFormatException($"line {lineNumber}", problem);
            }

            records++;
            yield return line;
        }

        if (records == 0)
        {
            throw new IngestFormatException("body", "holds no records");
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Blank => " \t\r\f\v"u8;

    /// <summary>Why the bytes are not exactly one JSON object in UTF-8, or null when they are.</summary>
    internal static string? CheckObject(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return "is not valid UTF-8";
        }

        var reader = new Utf8JsonReader(json);
        JsonTokenType first;
        try
        {
            reader.Read();
            first = reader.TokenType;
            reader.Skip();
            // A second value after the first makes Read throw ("... is invalid after a single JSON value").
            reader.Read();
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({FirstSentence(e.Message)})";
        }

        return first == JsonTokenType.StartObject ? null : $"is a JSON {Kind(first)}, not an object";
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => "null",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
