namespace Ductus.Core.Sources;

/// <summary>How an HTTP JSON API hands out the next page.</summary>
public enum PaginationKind
{
    /// <summary>One request.</summary>
    None,

    /// <summary><c>?page=1</c>, <c>?page=2</c>, ... until a page has no records.</summary>
    PageNumber,

    /// <summary><c>?offset=0&amp;limit=100</c>, <c>?offset=100&amp;limit=100</c>, ... until a short page.</summary>
    Offset,

    /// <summary>The body carries the next cursor (at <see cref="Pagination.CursorPath"/>), sent back as a query parameter.</summary>
    Cursor,

    /// <summary>RFC 8288 <c>Link: &lt;...&gt;; rel="next"</c> headers.</summary>
    LinkHeader,
}

public sealed record Pagination
{
    public PaginationKind Kind { get; init; } = PaginationKind.None;

    public string PageParameter { get; init; } = "page";

    public int FirstPage { get; init; } = 1;

    public string OffsetParameter { get; init; } = "offset";

    public string LimitParameter { get; init; } = "limit";

    /// <summary>Page size sent with offset pagination (and as <see cref="SizeParameter"/> when set).</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>Optional page-size parameter for page-number pagination (<c>per_page</c>).</summary>
    public string? SizeParameter { get; init; }

    /// <summary>Dotted path of the next cursor in the body (<c>meta.next_cursor</c>).</summary>
    public string CursorPath { get; init; } = "next_cursor";

    public string CursorParameter { get; init; } = "cursor";
}

/// <summary>A paginated HTTP JSON API source.</summary>
/// <param name="CredentialHosts">
/// When the headers carry secrets: the only hosts a request (or a redirect) may go to; any
/// other page link fails the extract before anything is sent. Null when no secret is sent.
/// </param>
/// <param name="RecordsPath">Dotted path of the record array in each body (<c>data.items</c>); empty when the body is the array.</param>
/// <param name="Headers">Request headers. Values may name secrets as <c>${secret:NAME}</c>, resolved from configuration, never written in a spec.</param>
public sealed record HttpApiSource(
    Uri Url,
    string RecordsPath,
    IReadOnlyDictionary<string, string> Headers,
    Pagination Pagination,
    int MaxPages = 10_000,
    int MaxRetries = 5,
    IReadOnlySet<string>? CredentialHosts = null);
