using System.Text.RegularExpressions;

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
    IReadOnlySet<string>? CredentialHosts = null)
{
    /// <summary>
    /// Replaces (or adds) the given query parameters, keeping the spec's own ones: the extractor's
    /// page parameters, and the incremental watermark a spec sends (<see cref="Specs.SourceSpecRules"/>).
    /// </summary>
    public static Uri WithQuery(Uri url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(parameters);
        var builder = new UriBuilder(url);
        var pairs = (builder.Query.TrimStart('?').Length == 0 ? [] : builder.Query.TrimStart('?').Split('&'))
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty))
            .ToList();
        foreach (var parameter in parameters)
        {
            pairs.RemoveAll(p => p.Key == parameter.Key);
            pairs.Add(parameter);
        }

        builder.Query = string.Join('&', pairs.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return builder.Uri;
    }
}

/// <summary>
/// The <c>${secret:NAME}</c> references in an http source's header values: checked against the
/// grants when a spec is saved (<see cref="SourceGrants"/>), replaced by the secrets' values when
/// a run sends the request.
/// </summary>
public static partial class SecretReferences
{
    /// <summary>The names of the secrets <paramref name="headerValue"/> refers to.</summary>
    public static IEnumerable<string> In(string headerValue) =>
        Pattern().Matches(headerValue).Select(m => m.Groups["name"].Value);

    /// <summary><paramref name="headerValue"/> with each reference replaced by <paramref name="value"/> of its name.</summary>
    public static string Replace(string headerValue, Func<string, string> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Pattern().Replace(headerValue, m => value(m.Groups["name"].Value));
    }

    [GeneratedRegex(@"\$\{secret:(?<name>[A-Za-z0-9_.-]+)\}")]
    private static partial Regex Pattern();
}
