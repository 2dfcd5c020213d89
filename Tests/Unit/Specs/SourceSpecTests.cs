using Ductus.Core.Sources;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Specs;

/// <summary>The http and postgres source keys and incremental: parse, validate with paths, write back.</summary>
public sealed class SourceSpecTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ductus-spec-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string HttpSpec = """
        name: issues
        source:
          kind: http
          url: https://api.example.com/repos/x/issues?state=all
          headers: { Accept: application/vnd.github+json, X-Trace: "${secret:trace}" }
          auth: { bearer_from: "Ductus:Secrets:github" }
          records: data.items
          columns: { id: integer, updated_at: timestamptz }
          pagination: { style: page_number, page_param: p, first_page: 0, size_param: per_page, page_size: 50, max_pages: 20 }
        incremental: { cursor: updated_at, query_param: since }
        target: { dataset: issues, mode: merge, key: [id] }
        """;

    private const string PostgresSpec = """
        name: orders
        source:
          kind: postgres
          connection: shop
          query: SELECT id, amount, updated_at FROM orders
        incremental: { cursor: updated_at }
        target: { dataset: orders }
        """;

    private IReadOnlyList<SpecError> Validate(string yaml) => SpecValidator.ValidateYaml(yaml, new SourceRoots(_root));

    [Fact]
    public void An_http_source_parses_validates_and_writes_back_as_the_same_spec()
    {
        var spec = EngineParse(HttpSpec);

        Assert.Empty(SpecValidator.Validate(spec, new SourceRoots(_root)));
        Assert.Equal(SourceKind.Http, spec.Source.Kind);
        Assert.Equal(new SourceAuth("Ductus:Secrets:github", null, null), spec.Source.Auth);
        Assert.Equal(new IncrementalSpec("updated_at", "since"), spec.Incremental);
        var json = SpecWriter.ToJson(spec);
        Assert.DoesNotContain("\"path\"", json, StringComparison.Ordinal);
        Assert.Equal(json, SpecWriter.ToJson(EngineParse(json, isJson: true)));
    }

    [Fact]
    public void A_postgres_source_parses_validates_and_writes_back_as_the_same_spec()
    {
        var spec = EngineParse(PostgresSpec);

        Assert.Empty(SpecValidator.Validate(spec, new SourceRoots(_root)));
        Assert.Equal(("shop", "SELECT id, amount, updated_at FROM orders"), (spec.Source.Connection, spec.Source.Query));
        var json = SpecWriter.ToJson(spec);
        Assert.Equal(json, SpecWriter.ToJson(EngineParse(json, isJson: true)));
    }

    [Fact]
    public void The_http_source_maps_to_the_extractor_with_the_secret_resolved_and_the_watermark_sent()
    {
        var spec = EngineParse(HttpSpec);
        var settings = new SourceSettings(key => key == "Ductus:Secrets:github" ? "tok" : null);

        var api = SourceSpecRules.ToHttpApiSource(spec.Source, settings.Secret, spec.Incremental, "2026-01-01 00:00:00+00");

        Assert.Equal("Bearer tok", api.Headers["Authorization"]);
        Assert.Equal("${secret:trace}", api.Headers["X-Trace"]);
        Assert.Equal("https://api.example.com/repos/x/issues?state=all&since=2026-01-01%2000%3A00%3A00%2B00", api.Url.AbsoluteUri);
        Assert.Equal((PaginationKind.PageNumber, "p", 0, "per_page", 50), (api.Pagination.Kind, api.Pagination.PageParameter, api.Pagination.FirstPage, api.Pagination.SizeParameter, api.Pagination.PageSize));
        Assert.Equal(("data.items", 20), (api.RecordsPath, api.MaxPages));
    }

    [Fact]
    public void Settings_reach_only_secrets_and_never_the_catalog_database_by_its_connection_string_name()
    {
        var config = new Dictionary<string, string>
        {
            ["Ductus:Secrets:a"] = "1",
            ["ConnectionStrings:ductus"] = "Host=catalog",
            ["ConnectionStrings:shop"] = "Host=shop",
            ["Ductus:Sources:Postgres:warehouse"] = "Host=wh",
        };
        var settings = new SourceSettings(config.GetValueOrDefault);

        Assert.Equal("1", settings.Secret("Ductus:Secrets:a"));
        Assert.Equal("1", settings.SecretByName("a"));
        Assert.Null(settings.Secret("ConnectionStrings:ductus"));
        Assert.Equal("Host=shop", settings.PostgresConnectionString("shop"));
        Assert.Equal("Host=wh", settings.PostgresConnectionString("warehouse"));
        Assert.Contains("service's own database", Assert.Throws<InvalidOperationException>(() => settings.PostgresConnectionString("ductus")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_http_and_postgres_mistake_is_reported_at_its_path()
    {
        var errors = Validate("""
            name: bad
            source:
              kind: http
              path: x.json
              url: ftp://example.com/x
              headers: { Authorization: "Bearer abc123", "bad header": x }
              auth: { bearer_from: "ConnectionStrings:ductus", header: X-Key }
              pagination: { style: offset, cursor_path: next, page_size: 0 }
              connection: shop
            incremental: { cursor: "", query_param: since }
            target: { dataset: bad, mode: replace }
            """).Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("source.path: does not apply to http sources (use url)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.url: 'ftp://example.com/x' is not an http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.headers.Authorization: must not hold a credential", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.headers.bad header: is not a valid header name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.auth.bearer_from: 'ConnectionStrings:ductus' must be a configuration key under Ductus:Secrets:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.auth.header: goes with value_from", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.pagination.cursor_path: does not apply to style offset", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.pagination.page_size: must be between 1 and 100000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.connection: applies to postgres sources only", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("incremental.cursor: is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("incremental: does not go with mode replace", StringComparison.Ordinal));

        var pg = Validate("""
            name: bad-pg
            source: { kind: postgres, columns: { id: integer }, query: "SELECT 1; DROP TABLE t", records: items }
            incremental: { cursor: id, query_param: since }
            target: { dataset: bad_pg }
            """).Select(e => e.ToString()).ToList();

        Assert.Contains(pg, e => e.StartsWith("source.connection: is required", StringComparison.Ordinal));
        Assert.Contains(pg, e => e.StartsWith("source.query: must be one statement", StringComparison.Ordinal));
        Assert.Contains(pg, e => e.StartsWith("source.columns: does not apply to postgres", StringComparison.Ordinal));
        Assert.Contains(pg, e => e.StartsWith("source.records: applies to http sources only", StringComparison.Ordinal));
        Assert.Contains(pg, e => e.StartsWith("incremental.query_param: applies to http sources only", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_keys_inside_the_new_mappings_are_reported_with_their_path()
    {
        var errors = SpecParser.ParseYaml("""
            name: x
            source: { kind: http, url: "https://e.com", auth: { token: abc }, pagination: { style: cursor, cursorPath: n } }
            incremental: { column: id }
            target: { dataset: x }
            """).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("source.auth.token: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("source.pagination.cursorPath: unknown key, did you mean 'cursor_path'?", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("incremental.column: unknown key", StringComparison.Ordinal));
    }

    private static PipelineSpec EngineParse(string text, bool isJson = false)
    {
        var parsed = isJson ? SpecParser.ParseJson(text) : SpecParser.ParseYaml(text);
        Assert.Empty(parsed.Errors);
        return parsed.Spec!;
    }
}
