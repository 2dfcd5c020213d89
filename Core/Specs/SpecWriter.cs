using System.Globalization;
using System.Text;
using System.Text.Json;
using Ductus.Core.Lake;

namespace Ductus.Core.Specs;

/// <summary>
/// Writes a spec as JSON with the same snake_case keys the parser reads, so what the API returns
/// can be posted back unchanged. Durations are written as spec durations (<c>30m</c>), bounds
/// as numbers when they are numbers.
/// </summary>
public static class SpecWriter
{
    public static string ToJson(PipelineSpec spec, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("name", spec.Name);
            Optional(json, "description", spec.Description);
            Optional(json, "owner", spec.Owner);
            Strings(json, "tags", spec.Tags);
            WriteSource(json, spec.Source);
            Optional(json, "transform", spec.Transform);
            if (spec.Contract is { } contract)
            {
                WriteContract(json, contract);
            }

            json.WriteStartObject("target");
            json.WriteString("dataset", spec.Target.Dataset);
            json.WriteString("mode", Name(spec.Target.Mode));
            Strings(json, "key", spec.Target.Key);
            json.WriteEndObject();

            Optional(json, "schedule", spec.Schedule);
            if (spec.Retries is { } retries)
            {
                json.WriteStartObject("retries");
                json.WriteNumber("max", retries.Max);
                json.WriteString("backoff", Durations.Format(retries.Backoff));
                json.WriteEndObject();
            }

            if (spec.Freshness is { } freshness)
            {
                json.WriteStartObject("freshness");
                OptionalDuration(json, "warn_after", freshness.WarnAfter);
                OptionalDuration(json, "error_after", freshness.ErrorAfter);
                json.WriteEndObject();
            }

            if (spec.Timeout is { } timeout)
            {
                json.WriteString("timeout", Durations.Format(timeout));
            }

            Optional(json, "memory_limit", spec.MemoryLimit);

            if (spec.Incremental is { } incremental)
            {
                json.WriteStartObject("incremental");
                json.WriteString("cursor", incremental.Cursor);
                Optional(json, "query_param", incremental.QueryParam);
                json.WriteEndObject();
            }

            if (spec.On is { } on)
            {
                json.WriteString("on", Name(on));
            }

            if (spec.SchemaEvolution is { } evolution)
            {
                json.WriteString("schema_evolution", Name(evolution));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSource(Utf8JsonWriter json, SourceSpec source)
    {
        json.WriteStartObject("source");
        if (source.Kind is { } kind)
        {
            json.WriteString("kind", Name(kind));
        }

        if (source.Path.Length > 0 || source.Kind is not (SourceKind.Http or SourceKind.Postgres or SourceKind.Ingest or SourceKind.Model))
        {
            json.WriteString("path", source.Path);
        }

        Optional(json, "delimiter", source.Delimiter);
        Optional(json, "quote", source.Quote);
        if (source.Header is { } header)
        {
            json.WriteBoolean("header", header);
        }

        if (source.Columns.Count > 0)
        {
            json.WriteStartObject("columns");
            foreach (var column in source.Columns)
            {
                json.WriteString(column.Name, column.Type);
            }

            json.WriteEndObject();
        }

        Optional(json, "compression", source.Compression);
        WriteApiSource(json, source);
        json.WriteEndObject();
    }

    private static void WriteApiSource(Utf8JsonWriter json, SourceSpec source)
    {
        Optional(json, "url", source.Url);
        if (source.Headers.Count > 0)
        {
            json.WriteStartObject("headers");
            foreach (var (name, value) in source.Headers)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        if (source.Auth is { } auth)
        {
            json.WriteStartObject("auth");
            Optional(json, "bearer_from", auth.BearerFrom);
            Optional(json, "header", auth.Header);
            Optional(json, "value_from", auth.ValueFrom);
            json.WriteEndObject();
        }

        Optional(json, "records", source.Records);
        if (source.Pagination is { } p)
        {
            json.WriteStartObject("pagination");
            Optional(json, "style", p.Style);
            Optional(json, "page_param", p.PageParam);
            Number(json, "first_page", p.FirstPage);
            Optional(json, "size_param", p.SizeParam);
            Number(json, "page_size", p.PageSize);
            Optional(json, "offset_param", p.OffsetParam);
            Optional(json, "limit_param", p.LimitParam);
            Optional(json, "cursor_path", p.CursorPath);
            Optional(json, "cursor_param", p.CursorParam);
            Number(json, "max_pages", p.MaxPages);
            json.WriteEndObject();
        }

        Optional(json, "connection", source.Connection);
        Optional(json, "query", source.Query);
        Optional(json, "dataset", source.Dataset);
        Optional(json, "sql", source.Sql);
        Optional(json, "driving", source.Driving);
    }

    private static void Number(Utf8JsonWriter json, string key, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(key, number);
        }
    }

    private static void WriteContract(Utf8JsonWriter json, ContractSpec contract)
    {
        json.WriteStartObject("contract");
        json.WriteString("policy", Name(contract.Policy));
        if (contract.MaxRejectRatio is { } ratio)
        {
            json.WriteNumber("max_reject_ratio", ratio);
        }

        if (contract.Columns.Count > 0)
        {
            json.WriteStartObject("columns");
            foreach (var column in contract.Columns)
            {
                json.WriteStartObject(column.Name);
                Optional(json, "type", column.Type);
                if (column.Required)
                {
                    json.WriteBoolean("required", true);
                }

                if (column.Unique)
                {
                    json.WriteBoolean("unique", true);
                }

                Bound(json, "min", column.Min);
                Bound(json, "max", column.Max);
                Optional(json, "pattern", column.Pattern);
                if (column.AcceptedValues is { } accepted)
                {
                    Strings(json, "accepted_values", accepted);
                }

                if (column.MaxLength is { } maxLength)
                {
                    json.WriteNumber("max_length", maxLength);
                }

                Optional(json, "description", column.Description);
                if (column.Pii is { } pii)
                {
                    json.WriteBoolean("pii", pii);
                }

                Optional(json, "classification", column.Classification);
                Optional(json, "mask", column.Mask);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        if (contract.Rules.Count > 0)
        {
            json.WriteStartArray("rules");
            foreach (var rule in contract.Rules)
            {
                json.WriteStartObject();
                json.WriteString("name", rule.Name);
                json.WriteString("sql", rule.Sql);
                Optional(json, "description", rule.Description);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        if (contract.MinRows is { } minRows)
        {
            json.WriteNumber("min_rows", minRows);
        }

        if (contract.MaxRows is { } maxRows)
        {
            json.WriteNumber("max_rows", maxRows);
        }

        Strings(json, "unique_key", contract.UniqueKey);
        json.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter json, string key, string? value)
    {
        if (value is not null)
        {
            json.WriteString(key, value);
        }
    }

    private static void OptionalDuration(Utf8JsonWriter json, string key, TimeSpan? value)
    {
        if (value is { } duration)
        {
            json.WriteString(key, Durations.Format(duration));
        }
    }

    private static void Bound(Utf8JsonWriter json, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        // A number stays a number so the JSON reads like the YAML it came from; dates stay strings.
        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            json.WriteNumber(key, number);
        }
        else
        {
            json.WriteString(key, value);
        }
    }

    private static void Strings(Utf8JsonWriter json, string key, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        json.WriteStartArray(key);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>A choice as specs spell it: <c>add_columns</c> for <c>AddColumns</c>.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
