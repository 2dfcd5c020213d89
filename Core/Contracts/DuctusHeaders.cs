namespace Ductus.Core.Contracts;

/// <summary>Response headers Ductus adds to query results; the Api passes the worker's on to its caller.</summary>
public static class DuctusHeaders
{
    /// <summary>The snapshot each dataset was read at (<c>flights=3,airports=1</c>), for the Api's cache key.</summary>
    public const string Versions = "X-Ductus-Versions";

    /// <summary>Header (Parquet) or trailer (CSV, NDJSON) saying the row cap cut the result.</summary>
    public const string Truncated = "X-Ductus-Truncated";

    /// <summary>Set by the Api: whether the query cache answered (<c>hit</c>, <c>miss</c>, <c>unavailable</c>, <c>disabled</c>).</summary>
    public const string Cache = "X-Ductus-Cache";
}
