namespace Ductus.Core.Contracts;

/// <summary>How a query result is written: named in <see cref="InternalQueryRequest.Format"/>, answered with <see cref="QueryResultFormats.ContentType"/>.</summary>
public enum QueryResultFormat
{
    Json,
    Csv,
    Ndjson,
    Parquet,
}

public static class QueryResultFormats
{
    public static string ContentType(QueryResultFormat format) => format switch
    {
        QueryResultFormat.Json => "application/json",
        QueryResultFormat.Csv => "text/csv; charset=utf-8",
        QueryResultFormat.Ndjson => "application/x-ndjson",
        QueryResultFormat.Parquet => "application/vnd.apache.parquet",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Parses <c>json</c>, <c>csv</c>, <c>ndjson</c> or <c>parquet</c> (any case); null otherwise.</summary>
    public static QueryResultFormat? Parse(string? format) => format?.ToUpperInvariant() switch
    {
        null or "" or "JSON" => QueryResultFormat.Json,
        "CSV" => QueryResultFormat.Csv,
        "NDJSON" => QueryResultFormat.Ndjson,
        "PARQUET" => QueryResultFormat.Parquet,
        _ => null,
    };
}
