using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Ductus.Core.Quoting;

namespace Ductus.Analytics.Query;

/// <summary>
/// Writes a cursor's rows to a stream as they are read, flushing every few rows, so a large
/// result never sits whole in memory. Parquet is not here: DuckDB writes it (see
/// <see cref="QuerySandbox.WriteParquetAsync"/>) and the file is streamed as is.
/// </summary>
public static class QueryResultWriter
{
    private const int FlushEvery = 1_000;

    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    /// <summary><c>{"columns":[{"name","type"}],"rows":[[...]],"truncated":bool}</c>.</summary>
    public static async Task WriteJsonAsync(QueryCursor cursor, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartArray("columns");
        foreach (var column in cursor.Columns)
        {
            json.WriteStartObject();
            json.WriteString("name", column.Name);
            json.WriteString("type", column.Type);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("rows");
        while (cursor.Read())
        {
            json.WriteStartArray();
            foreach (var value in cursor.Current)
            {
                WriteJsonValue(json, value);
            }

            json.WriteEndArray();
            if (cursor.RowCount % FlushEvery == 0)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        json.WriteBoolean("truncated", cursor.Truncated);
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    /// <summary>One JSON object per line, keyed by column name.</summary>
    public static async Task WriteNdjsonAsync(QueryCursor cursor, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentNullException.ThrowIfNull(output);
        await using var json = new Utf8JsonWriter(output);
        while (cursor.Read())
        {
            json.WriteStartObject();
            for (var i = 0; i < cursor.Columns.Count; i++)
            {
                json.WritePropertyName(cursor.Columns[i].Name);
                WriteJsonValue(json, cursor.Current[i]);
            }

            json.WriteEndObject();
            await json.FlushAsync(ct);
            json.Reset();
            // Async: Kestrel refuses synchronous writes to a response body.
            await output.WriteAsync(NewLine, ct);
            if (cursor.RowCount % FlushEvery == 0)
            {
                await output.FlushAsync(ct);
            }
        }

        await output.FlushAsync(ct);
    }

    /// <summary>RFC 4180 CSV with a header row; NULL is an empty field, nested values are JSON, blobs base64.</summary>
    public static async Task WriteCsvAsync(QueryCursor cursor, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', cursor.Columns.Select(c => Csv.Field(c.Name))));
        var line = new StringBuilder();
        while (cursor.Read())
        {
            line.Clear();
            for (var i = 0; i < cursor.Current.Length; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                if (cursor.Current[i] is { } value)
                {
                    line.Append(Csv.Field(Text(value)));
                }
            }

            await writer.WriteLineAsync(line, ct);
            if (cursor.RowCount % FlushEvery == 0)
            {
                await writer.FlushAsync(ct);
            }
        }

        await writer.FlushAsync(ct);
    }

    /// <summary>A value as text the way a reader of the CSV expects it: invariant culture, ISO dates, JSON for nested values.</summary>
    internal static string Text(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        Stream stream => Convert.ToBase64String(ReadAll(stream)),
        IFormattable f when value is not IEnumerable => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonText(value),
    };

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string JsonText(object value)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteJsonValue(json, value);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static void WriteJsonValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case double d when !double.IsFinite(d):
            case float f when !float.IsFinite(f):
                json.WriteStringValue(Text(value));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case BigInteger big:
                json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            case Stream stream:
                json.WriteBase64StringValue(ReadAll(stream));
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    json.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                    WriteJsonValue(json, entry.Value);
                }

                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    WriteJsonValue(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Text(value));
                break;
        }
    }
}
