using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ductus.Core.Sources;
using Ductus.Pipelines.Net;

namespace Ductus.Pipelines.Sources;

/// <summary>The outcome of reading an API: what was fetched and how hard it was.</summary>
public sealed record HttpExtractResult(long Records, int Pages, int Retries);

/// <summary>
/// Reads every page of an HTTP JSON API into an NDJSON file (one record a line) that DuckDB
/// then reads in one pass. Retries 429 and 5xx answers, honouring Retry-After.
/// </summary>
public sealed partial class HttpApiExtractor(HttpClient http, TimeProvider time, Func<string, string?> secrets)
{
    /// <summary>Longest wait a server may ask for; beyond it the run would look hung.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(2);

    public async Task<HttpExtractResult> ExtractAsync(HttpApiSource source, string ndjsonPath, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        var headers = ResolveHeaders(source.Headers);
        await using var file = new FileStream(ndjsonPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { SkipValidation = true });

        long records = 0;
        var pages = 0;
        var retries = 0;
        var next = FirstUrl(source);
        var page = source.Pagination.FirstPage;
        long offset = 0;

        while (next is not null)
        {
            if (pages >= source.MaxPages)
            {
                throw new InvalidOperationException($"{source.Url} returned more than {source.MaxPages} pages; raise max_pages if that is expected.");
            }

            var (body, linkNext, retried) = await GetAsync(next, headers, source.CredentialHosts, source.MaxRetries, ct);
            retries += retried;
            pages++;
            using var json = JsonDocument.Parse(body);
            var items = Navigate(json.RootElement, source.RecordsPath);
            var count = 0;
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    item.WriteTo(writer);
                    await writer.FlushAsync(ct);
                    file.WriteByte((byte)'\n');
                    writer.Reset();
                    count++;
                }
            }
            else if (items.ValueKind != JsonValueKind.Null && items.ValueKind != JsonValueKind.Undefined)
            {
                throw new InvalidDataException($"{next}: '{PathName(source.RecordsPath)}' is a {items.ValueKind}, not an array of records.");
            }

            records += count;
            next = source.Pagination.Kind switch
            {
                PaginationKind.PageNumber when count > 0 => HttpApiSource.WithQuery(source.Url, PageQuery(source.Pagination, ++page)),
                PaginationKind.Offset when count >= source.Pagination.PageSize => HttpApiSource.WithQuery(source.Url, OffsetQuery(source.Pagination, offset += count)),
                PaginationKind.Cursor => CursorUrl(source, json.RootElement),
                PaginationKind.LinkHeader => linkNext,
                _ => null,
            };
        }

        return new HttpExtractResult(records, pages, retries);
    }

    private Dictionary<string, string> ResolveHeaders(IReadOnlyDictionary<string, string> headers)
    {
        var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            resolved[name] = SecretReferences.Replace(value, secret =>
                secrets(secret)
                ?? throw new InvalidOperationException(
                    $"source.headers.{name}: secret '{secret}' is not configured (set Ductus:Secrets:{secret})."));
        }

        return resolved;
    }

    private async Task<(string Body, Uri? LinkNext, int Retries)> GetAsync(Uri url, Dictionary<string, string> headers, IReadOnlySet<string>? credentialHosts, int maxRetries, CancellationToken ct)
    {
        // A next-page link (or a cursor the server controls) may point anywhere; the secrets must not follow it.
        if (credentialHosts is not null && !credentialHosts.Contains(url.Host))
        {
            throw new HttpRequestException(
                $"refused to send the source's secrets to {url.Host}: they may be sent only to {(credentialHosts.Count == 0 ? "no host" : string.Join(", ", credentialHosts.Order(StringComparer.Ordinal)))}; nothing was requested from it");
        }

        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (credentialHosts is not null)
            {
                // Redirects are followed by the handler, which must not carry the secrets elsewhere either.
                request.Options.Set(GuardedHttp.CredentialHosts, credentialHosts);
            }

            request.Headers.Accept.ParseAdd("application/json");
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadAsStringAsync(ct), LinkNext(response, url), attempt);
            }

            var retryable = response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500;
            if (!retryable || attempt >= maxRetries)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                throw new HttpRequestException(
                    $"GET {url} answered {status} {response.ReasonPhrase}" + (attempt > 0 ? $" after {attempt} retries" : string.Empty)
                    + (text.Length > 0 ? $": {text[..Math.Min(text.Length, 300)]}" : string.Empty),
                    null,
                    response.StatusCode);
            }

            await Task.Delay(RetryDelay(response, attempt), time, ct);
        }
    }

    /// <summary>Retry-After when the server sends it (capped), else exponential backoff with jitter.</summary>
    internal TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < MaxRetryAfter ? delta : MaxRetryAfter;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < MaxRetryAfter ? wait : MaxRetryAfter;
        }

        var backoff = TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt));
        // Jitter spreads retries of many runs hitting the same API at once.
        return backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)backoff.TotalMilliseconds / 2 + 1));
    }

    private static Uri FirstUrl(HttpApiSource source) => source.Pagination.Kind switch
    {
        PaginationKind.PageNumber => HttpApiSource.WithQuery(source.Url, PageQuery(source.Pagination, source.Pagination.FirstPage)),
        PaginationKind.Offset => HttpApiSource.WithQuery(source.Url, OffsetQuery(source.Pagination, 0)),
        _ => source.Url,
    };

    private static List<KeyValuePair<string, string>> PageQuery(Pagination p, int page)
    {
        var query = new List<KeyValuePair<string, string>> { new(p.PageParameter, page.ToString(CultureInfo.InvariantCulture)) };
        if (p.SizeParameter is not null)
        {
            query.Add(new(p.SizeParameter, p.PageSize.ToString(CultureInfo.InvariantCulture)));
        }

        return query;
    }

    private static List<KeyValuePair<string, string>> OffsetQuery(Pagination p, long offset) =>
    [
        new(p.OffsetParameter, offset.ToString(CultureInfo.InvariantCulture)),
        new(p.LimitParameter, p.PageSize.ToString(CultureInfo.InvariantCulture)),
    ];

    private static Uri? CursorUrl(HttpApiSource source, JsonElement body)
    {
        var cursor = Navigate(body, source.Pagination.CursorPath);
        var value = cursor.ValueKind switch
        {
            JsonValueKind.String => cursor.GetString(),
            JsonValueKind.Number => cursor.GetRawText(),
            _ => null,
        };
        return string.IsNullOrEmpty(value) ? null : HttpApiSource.WithQuery(source.Url, [new(source.Pagination.CursorParameter, value)]);
    }

    private static Uri? LinkNext(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            foreach (Match m in LinkNextPattern().Matches(value))
            {
                return new Uri(current, m.Groups["url"].Value);
            }
        }

        return null;
    }

    internal static JsonElement Navigate(JsonElement root, string path)
    {
        var current = root;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return default;
            }
        }

        return current;
    }

    private static string PathName(string path) => path.Length == 0 ? "(the body)" : path;

    [GeneratedRegex(@"<(?<url>[^>]+)>\s*;[^,]*rel=""?next""?", RegexOptions.IgnoreCase)]
    private static partial Regex LinkNextPattern();
}
