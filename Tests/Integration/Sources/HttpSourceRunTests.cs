using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Pipelines.Net;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Sources;

/// <summary>HTTP JSON API sources through whole spec runs: pages, retries, egress, incremental.</summary>
[Collection(StackDefinition.Name)]
public sealed class HttpSourceRunTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private SourceRunHarness _h = null!;

    /// <summary>How many records the API holds; a test adds some between runs.</summary>
    private int _total = 25;

    public async Task InitializeAsync()
    {
        _h = await SourceRunHarness.CreateAsync(stack);
        _h.Configuration["Ductus:Secrets:api"] = "s3cret";
        _h.GrantSecret("api", "127.0.0.1");
        _h.GrantSecret("missing", "127.0.0.1");
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private IEnumerable<object> Records(int from, int count) =>
        Enumerable.Range(from, Math.Max(0, Math.Min(count, _total - from)))
            .Select(i => new { id = i, name = $"item {i}", updated_at = Start.AddHours(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) });

    /// <summary>One API, four ways to page through it, all behind a bearer token.</summary>
    private async Task ServeAsync(HttpListenerContext c)
    {
        if (c.Request.Headers["Authorization"] != "Bearer s3cret")
        {
            await TestHttpServer.WriteAsync(c, """{"error":"unauthorized"}""", 401);
            return;
        }

        var q = c.Request.QueryString;
        int Int(string name, int fallback) => q[name] is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        switch (c.Request.Url!.AbsolutePath)
        {
            case "/page":
                await TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(new { data = new { items = Records((Int("page", 1) - 1) * 10, 10) } }));
                break;
            case "/offset":
                await TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(Int("offset", 0), Int("limit", 100))));
                break;
            case "/cursor":
                var from = Int("cursor", 0);
                await TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(new { items = Records(from, 10), meta = new { next = from + 10 < _total ? (from + 10).ToString(CultureInfo.InvariantCulture) : null } }));
                break;
            case "/link":
                var at = Int("from", 0);
                if (at + 10 < _total)
                {
                    c.Response.AddHeader("Link", $"<{c.Request.Url.GetLeftPart(UriPartial.Path)}?from={at + 10}>; rel=\"next\", <{c.Request.Url.GetLeftPart(UriPartial.Path)}?from=0>; rel=\"first\"");
                }

                await TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(at, 10)));
                break;
            case "/since":
                var since = q["since"] is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
                var newer = Enumerable.Range(0, _total).FirstOrDefault(i => Start.AddHours(i) > since, _total);
                await TestHttpServer.WriteAsync(c, JsonSerializer.Serialize(Records(newer, _total)));
                break;
            default:
                await TestHttpServer.WriteAsync(c, "{}", 404);
                break;
        }
    }

    [Theory]
    [InlineData("page", "records: data.items\n  pagination: { style: page_number }", 4)]
    [InlineData("offset", "pagination: { style: offset, page_size: 10 }", 3)]
    [InlineData("cursor", "records: items\n  pagination: { style: cursor, cursor_path: meta.next }", 3)]
    [InlineData("link", "pagination: { style: link_header }", 3)]
    public async Task Every_pagination_style_lands_every_record_in_the_lake(string path, string paging, int requests)
    {
        await using var server = new TestHttpServer(ServeAsync);

        var run = await _h.RunAsync($"""
            name: api-{path}
            source:
              kind: http
              url: {server.BaseUri}{path}
              auth: {"{"} bearer_from: "Ductus:Secrets:api" {"}"}
              {paging}
            target:
              dataset: api_{path}
            """);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(25, run.RowsLoaded);
        Assert.Equal(requests, server.Requests.Count);
        var (count, min, max, name) = (await _h.ReadAsync($"api_{path}", null, "SELECT count(DISTINCT id), min(id), max(id), max(name) FILTER (WHERE id = 7) FROM {files}",
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3))))[0];
        Assert.Equal((25L, 0L, 24L, "item 7"), (count, min, max, name));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_time_the_server_asks_for()
    {
        var calls = 0;
        await using var server = new TestHttpServer(async c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                c.Response.AddHeader("Retry-After", "1");
                await TestHttpServer.WriteAsync(c, """{"error":"slow down"}""", 429);
                return;
            }

            await ServeAsync(c);
        });
        var clock = Stopwatch.StartNew();

        var run = await _h.RunAsync($"""
            name: api-throttled
            source:
              kind: http
              url: {server.BaseUri}offset
              auth: {"{"} bearer_from: "Ductus:Secrets:api" {"}"}
              pagination: {"{"} style: offset, page_size: 10 {"}"}
            target:
              dataset: api_throttled
            """);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(25, run.RowsLoaded);
        Assert.Equal(["/offset?offset=0&limit=10", "/offset?offset=0&limit=10", "/offset?offset=10&limit=10", "/offset?offset=20&limit=10"], server.Requests);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"the retry came after {clock.Elapsed}, before the second Retry-After asked for");
    }

    [Fact]
    public async Task A_loopback_url_is_refused_unless_configuration_allows_private_networks()
    {
        await using var server = new TestHttpServer(ServeAsync);
        var spec = $"""
            name: api-internal
            source:
              kind: http
              url: {server.BaseUri}offset
              auth: {"{"} bearer_from: "Ductus:Secrets:api" {"}"}
            target:
              dataset: api_internal
            """;

        _h.Egress = new EgressPolicy();
        var refused = await _h.RunAsync(spec);

        Assert.Equal(RunStatus.Failed, refused.Status);
        Assert.Equal("extract", refused.ErrorStep);
        // What clients read names the host, never what it resolved to (issue 16, items 6 and 7); a
        // host that is itself an address is redacted too.
        Assert.Contains("source.url: Refused to connect: <address> resolves to a loopback address", refused.Error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.Null(await _h.Catalog.Datasets.GetSnapshotAsync(_h.Workspace, "api_internal", null));

        _h.Egress = new EgressPolicy { AllowedHosts = { "127.0.0.1" } };
        var allowed = await _h.RunAsync(spec);
        Assert.True(allowed.Status == RunStatus.Succeeded, allowed.Error);
        Assert.Equal(25, allowed.RowsLoaded);
    }

    [Fact]
    public async Task A_missing_secret_fails_the_run_without_calling_the_api()
    {
        await using var server = new TestHttpServer(ServeAsync);

        var run = await _h.RunAsync($"""
            name: api-nosecret
            source:
              kind: http
              url: {server.BaseUri}offset
              auth: {"{"} bearer_from: "Ductus:Secrets:missing" {"}"}
            target:
              dataset: api_nosecret
            """);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("Ductus:Secrets:missing", run.Error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_incremental_api_run_sends_the_watermark_and_loads_only_newer_records()
    {
        await using var server = new TestHttpServer(ServeAsync);
        var spec = $"""
            name: api-incremental
            source:
              kind: http
              url: {server.BaseUri}since
              auth: {"{"} bearer_from: "Ductus:Secrets:api" {"}"}
              columns: {"{"} id: integer, name: varchar, updated_at: timestamptz {"}"}
            incremental:
              cursor: updated_at
              query_param: since
            target:
              dataset: api_incremental
            """;

        var first = await _h.RunAsync(spec);
        Assert.True(first.Status == RunStatus.Succeeded, first.Error);
        Assert.Equal(25, first.RowsLoaded);
        Assert.Equal("/since", server.Requests[0]);
        Assert.Equal("2026-01-02 00:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "api-incremental"));

        _total = 30;
        var second = await _h.RunAsync(spec);

        Assert.True(second.Status == RunStatus.Succeeded, second.Error);
        Assert.Equal(5, second.RowsLoaded);
        Assert.Equal("/since?since=2026-01-02%2000%3A00%3A00%2B00", server.Requests[1]);
        Assert.Equal("2026-01-02 05:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "api-incremental"));
        Assert.Equal([(30L, 30L)], await _h.ReadAsync("api_incremental", null, "SELECT count(*), count(DISTINCT id) FROM {files}", r => (r.GetInt64(0), r.GetInt64(1))));

        // Nothing new: the API answers with no records, the run loads nothing and keeps the watermark.
        var third = await _h.RunAsync(spec);
        Assert.True(third.Status == RunStatus.Succeeded, third.Error);
        Assert.Equal(0, third.RowsLoaded);
        Assert.Equal("2026-01-02 05:00:00+00", await _h.Catalog.Pipelines.GetWatermarkAsync(_h.Workspace, "api-incremental"));
    }
}
