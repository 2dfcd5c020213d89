using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Ductus.Core.Sources;
using Ductus.Pipelines.Sources;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Sources;

public sealed class HttpApiExtractorTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), $"ductus-http-{Guid.NewGuid():N}.ndjson");
    private readonly HttpClient _http = new();

    private static readonly Dictionary<string, string> NoHeaders = [];

    private HttpApiExtractor Extractor(Func<string, string?>? secrets = null) =>
        new(_http, TimeProvider.System, secrets ?? (_ => null));

    /// <summary>25 records served 10 at a time, whatever the paging style.</summary>
    private static IEnumerable<object> Records(int from, int count) =>
        Enumerable.Range(from, Math.Max(0, Math.Min(count, 25 - from))).Select(i => new { id = i, name = $"item {i}" });

    private List<int> Ids() => File.ReadLines(_out).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt32()).ToList();

    [Fact]
    public async Task Page_number_pagination_reads_until_an_empty_page()
    {
        await using var server = new TestHttpServer(c =>
        {
            var page = int.Parse(c.Request.QueryString["page"]!, System.Globalization.CultureInfo.InvariantCulture);
            return TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(new { data = new { items = Records((page - 1) * 10, 10) } }));
        });
        var source = new HttpApiSource(new Uri(server.BaseUri, "items?sort=id"), "data.items", NoHeaders, new Pagination { Kind = PaginationKind.PageNumber });

        var result = await Extractor().ExtractAsync(source, _out, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 25), Ids());
        Assert.Equal(new HttpExtractResult(25, 4, 0), result);
        Assert.Equal("/items?sort=id&page=1", server.Requests[0]);
    }

    [Fact]
    public async Task Offset_pagination_stops_at_a_short_page()
    {
        await using var server = new TestHttpServer(c =>
        {
            var offset = int.Parse(c.Request.QueryString["offset"]!, System.Globalization.CultureInfo.InvariantCulture);
            var limit = int.Parse(c.Request.QueryString["limit"]!, System.Globalization.CultureInfo.InvariantCulture);
            return TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(offset, limit)));
        });
        var source = new HttpApiSource(server.BaseUri, string.Empty, NoHeaders, new Pagination { Kind = PaginationKind.Offset, PageSize = 10 });

        var result = await Extractor().ExtractAsync(source, _out, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 25), Ids());
        Assert.Equal(3, result.Pages);
        Assert.Equal(["/?offset=0&limit=10", "/?offset=10&limit=10", "/?offset=20&limit=10"], server.Requests);
    }

    [Fact]
    public async Task Cursor_pagination_follows_the_cursor_in_the_body()
    {
        await using var server = new TestHttpServer(c =>
        {
            var from = c.Request.QueryString["cursor"] is { } cursor ? int.Parse(cursor[1..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var next = from + 10 < 25 ? $"c{from + 10}" : null;
            return TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(new { results = Records(from, 10), meta = new { next } }));
        });
        var source = new HttpApiSource(server.BaseUri, "results", NoHeaders, new Pagination { Kind = PaginationKind.Cursor, CursorPath = "meta.next" });

        var result = await Extractor().ExtractAsync(source, _out, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 25), Ids());
        Assert.Equal(3, result.Pages);
        Assert.Equal("/?cursor=c20", server.Requests[2]);
    }

    [Fact]
    public async Task Link_header_pagination_follows_rel_next()
    {
        await using var server = new TestHttpServer(c =>
        {
            var from = int.Parse(c.Request.QueryString["from"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (from + 10 < 25)
            {
                c.Response.AddHeader("Link", $"</list?from={from + 10}>; rel=\"next\", </list?from=0>; rel=\"first\"");
            }

            return TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(from, 10)));
        });
        var source = new HttpApiSource(new Uri(server.BaseUri, "list"), string.Empty, NoHeaders, new Pagination { Kind = PaginationKind.LinkHeader });

        var result = await Extractor().ExtractAsync(source, _out, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 25), Ids());
        Assert.Equal(3, result.Pages);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_retry_after()
    {
        var calls = 0;
        await using var server = new TestHttpServer(c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                c.Response.AddHeader("Retry-After", "1");
                return TestHttpServer.WriteAsync(c, "{\"error\":\"slow down\"}", 429);
            }

            return TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(0, 3)));
        });
        var source = new HttpApiSource(server.BaseUri, string.Empty, NoHeaders, new Pagination());

        var clock = Stopwatch.StartNew();
        var result = await Extractor().ExtractAsync(source, _out, CancellationToken.None);

        Assert.Equal(new HttpExtractResult(3, 1, 1), result);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before Retry-After");
    }

    [Fact]
    public async Task A_persistent_5xx_fails_with_status_and_body_after_the_retries()
    {
        await using var server = new TestHttpServer(c => TestHttpServer.WriteAsync(c, "upstream down", 503));
        var source = new HttpApiSource(server.BaseUri, string.Empty, NoHeaders, new Pagination(), MaxRetries: 2);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Extractor().ExtractAsync(source, _out, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains("answered 503 Service Unavailable after 2 retries: upstream down", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_404_is_not_retried()
    {
        await using var server = new TestHttpServer(c => TestHttpServer.WriteAsync(c, string.Empty, 404));
        var source = new HttpApiSource(server.BaseUri, string.Empty, NoHeaders, new Pagination());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Extractor().ExtractAsync(source, _out, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Secrets_are_resolved_by_reference_and_a_missing_one_is_named()
    {
        string? seen = null;
        await using var server = new TestHttpServer(c =>
        {
            seen = c.Request.Headers["Authorization"];
            return TestHttpServer.WriteAsync(c, "[]");
        });
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer ${secret:api_token}" };
        var source = new HttpApiSource(server.BaseUri, string.Empty, headers, new Pagination());

        await Extractor(name => name == "api_token" ? "s3cret" : null).ExtractAsync(source, _out, CancellationToken.None);
        Assert.Equal("Bearer s3cret", seen);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Extractor().ExtractAsync(source, _out, CancellationToken.None));
        Assert.Equal("source.headers.Authorization: secret 'api_token' is not configured (set Ductus:Secrets:api_token).", error.Message);
    }

    [Fact]
    public async Task Records_that_are_not_an_array_are_refused_with_the_path()
    {
        await using var server = new TestHttpServer(c => TestHttpServer.WriteAsync(c, "{\"data\":{\"items\":42}}"));
        var source = new HttpApiSource(server.BaseUri, "data.items", NoHeaders, new Pagination());

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Extractor().ExtractAsync(source, _out, CancellationToken.None));
        Assert.Contains("'data.items' is a Number, not an array of records", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _http.Dispose();
        File.Delete(_out);
    }
}
