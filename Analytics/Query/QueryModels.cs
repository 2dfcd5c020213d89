using Ductus.Core.Pii;

namespace Ductus.Analytics.Query;

/// <summary>One user query against one workspace.</summary>
/// <param name="Workspace">The workspace's name: its lake folder is <c>&lt;lake root&gt;/&lt;name&gt;</c>.</param>
/// <param name="Parameters">Values for <c>$name</c> placeholders, bound by DuckDB, never spliced into the text.</param>
/// <param name="Versions">Dataset → snapshot version to read (time travel); others read their current snapshot.</param>
/// <param name="Limit">At most this many rows (capped by <see cref="QueryOptions.MaxRows"/>).</param>
/// <param name="Timeout">A shorter timeout than <see cref="QueryOptions.Timeout"/> (never a longer one).</param>
/// <param name="Masks">Dataset → the PII columns its view masks, for a caller without <c>pii:read</c>.</param>
public sealed record QueryRequest(
    Guid WorkspaceId,
    string Workspace,
    string Sql,
    IReadOnlyDictionary<string, object?>? Parameters = null,
    IReadOnlyDictionary<string, long>? Versions = null,
    int? Limit = null,
    TimeSpan? Timeout = null,
    IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>>? Masks = null);

/// <summary>A result column: its name and DuckDB type name (BIGINT, VARCHAR, TIMESTAMP, DECIMAL(18,3), ...).</summary>
public sealed record QueryColumn(string Name, string Type);

/// <summary>The guard refused the statement; <see cref="Exception.Message"/> says what and why.</summary>
public sealed class QueryRefusedException : Exception
{
    public QueryRefusedException()
    {
    }

    public QueryRefusedException(string message)
        : base(message)
    {
    }

    public QueryRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A referenced dataset has no snapshot (never loaded) or not the pinned version.</summary>
public sealed class QueryNotFoundException : Exception
{
    public QueryNotFoundException()
    {
    }

    public QueryNotFoundException(string message)
        : base(message)
    {
    }

    public QueryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The query ran past its timeout and was interrupted.</summary>
public sealed class QueryTimeoutException : Exception
{
    public QueryTimeoutException()
    {
    }

    public QueryTimeoutException(string message)
        : base(message)
    {
    }

    public QueryTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>DuckDB refused or failed the statement at bind or run time (bad column, type error, permission).</summary>
public sealed class QueryFailedException : Exception
{
    public QueryFailedException()
    {
    }

    public QueryFailedException(string message)
        : base(message)
    {
    }

    public QueryFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// What a sandbox's dataset views mask (<see cref="PiiMasks.Projection"/>): each dataset's PII
/// columns and the workspace's salt for hash masks. Applied in the view, every filter, join and
/// group-by of a statement sees the masked values, never the real ones.
/// </summary>
public sealed record ViewMasks(string Salt, IReadOnlyDictionary<string, IReadOnlyList<PiiColumn>> Columns)
{
    /// <summary>The masks as a pool key: two sandboxes share an instance only when they mask alike (the salt goes with the workspace folder).</summary>
    public string Key => string.Join('\u001e', Columns
        .OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase)
        .Select(c => c.Key.ToLowerInvariant() + ":" + string.Join('\u001f', c.Value.Select(m => $"{m.Column}={m.Mask}"))));
}
