using System.Text.RegularExpressions;
using Ductus.Core.Lake;
using Ductus.Core.Sources;

namespace Ductus.Core.Specs;

/// <summary>
/// Validation of the http and postgres source keys and of <c>incremental</c>, and the mapping of
/// an http source to what the Pipelines service's extractor reads (<see cref="HttpApiSource"/>).
/// </summary>
public static partial class SourceSpecRules
{
    /// <summary>Configuration section credentials are read from; a spec can name nothing outside it.</summary>
    public const string SecretsSection = "Ductus:Secrets";

    /// <summary>Pagination styles as a spec writes them.</summary>
    public static readonly IReadOnlyDictionary<string, PaginationKind> Styles = new Dictionary<string, PaginationKind>(StringComparer.Ordinal)
    {
        ["none"] = PaginationKind.None,
        ["page_number"] = PaginationKind.PageNumber,
        ["offset"] = PaginationKind.Offset,
        ["cursor"] = PaginationKind.Cursor,
        ["link_header"] = PaginationKind.LinkHeader,
    };

    internal static void Validate(SourceSpec source, Action<string, string> error)
    {
        var http = source.Kind is SourceKind.Http;
        var postgres = source.Kind is SourceKind.Postgres;
        NotFor(!http, "http", ("url", source.Url), ("headers", source.Headers.Count > 0 ? "set" : null), ("auth", source.Auth), ("records", source.Records), ("pagination", source.Pagination));
        NotFor(!postgres, "postgres", ("connection", source.Connection), ("query", source.Query));
        NotFor(source.Kind is not SourceKind.Model, "model", ("dataset", source.Dataset), ("sql", source.Sql), ("driving", source.Driving));
        if (source.Kind is SourceKind.Model)
        {
            ValidateModel(source, error);
        }

        if (http)
        {
            ValidateHttp(source, error);
        }

        if (postgres)
        {
            if (string.IsNullOrWhiteSpace(source.Connection))
            {
                error("source.connection", $"is required: the name of a connection in configuration ({SourceSettings.PostgresSection}:<name> or ConnectionStrings:<name>)");
            }

            if (string.IsNullOrWhiteSpace(source.Query))
            {
                error("source.query", "is required: one SELECT");
            }
            else if (source.Query.Trim().TrimEnd(';').Contains(';', StringComparison.Ordinal))
            {
                error("source.query", "must be one statement, without ';' between statements");
            }
        }

        void NotFor(bool notThisKind, string kind, params (string Key, object? Value)[] keys)
        {
            foreach (var (key, value) in keys)
            {
                if (notThisKind && value is not null)
                {
                    error($"source.{key}", $"applies to {kind} sources only");
                }
            }
        }
    }

    /// <summary>
    /// What can be told from the spec alone. Whether the datasets exist, are the workspace's own
    /// and form no cycle needs the catalog: <see cref="Models.ModelInputs"/> checks that on save.
    /// </summary>
    private static void ValidateModel(SourceSpec source, Action<string, string> error)
    {
        if ((source.Dataset is null) == (source.Sql is null))
        {
            error("source", "a model reads either one dataset (source.dataset) or a SELECT over datasets (source.sql), not both and not neither");
        }

        if (source.Dataset is { } dataset && !SpecValidator.DatasetName().IsMatch(dataset))
        {
            error("source.dataset", $"'{dataset}' is not a dataset name (1-63 characters of a-z, 0-9 and '_', starting with a letter)");
        }

        if (source.Sql is { } sql && (sql.Trim().Length == 0 || sql.Trim().TrimEnd(';').Contains(';', StringComparison.Ordinal)))
        {
            error("source.sql", "must be one SELECT, without ';' between statements");
        }
    }

    /// <summary>Rules of the top-level <c>on</c> key: only models are started by their inputs' commits.</summary>
    internal static void ValidateOn(PipelineSpec spec, Action<string, string> error)
    {
        if (spec.On is not null && spec.Source.Kind is not SourceKind.Model)
        {
            error("on", "applies to model sources only (a model runs when the datasets it reads commit)");
        }
    }

    /// <summary>
    /// Rules of <c>mode: incremental</c>: only a model knows which snapshots added which rows. Which
    /// input drives it needs the catalog (<see cref="Models.ModelInputs"/> checks that on save).
    /// </summary>
    internal static void ValidateIncrementalModel(PipelineSpec spec, Action<string, string> error)
    {
        if (spec.Target.Mode is WriteMode.Incremental && spec.Source.Kind is not SourceKind.Model)
        {
            error("target.mode", "incremental applies to model sources only (for other sources use an incremental cursor with append or merge)");
        }

        if (spec.Source.Driving is not null && spec.Source.Kind is SourceKind.Model && spec.Target.Mode is not WriteMode.Incremental)
        {
            error("source.driving", "applies to models with target.mode incremental only");
        }
        else if (spec.Source.Driving is { } driving && !SpecValidator.DatasetName().IsMatch(driving))
        {
            error("source.driving", $"'{driving}' is not a dataset name");
        }
    }

    internal static void ValidateIncremental(PipelineSpec spec, Action<string, string> error)
    {
        if (spec.Incremental is not null && spec.Source.Kind is SourceKind.Model)
        {
            error("incremental", "does not apply to model sources");
            return;
        }

        if (spec.Incremental is not { } incremental)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(incremental.Cursor))
        {
            error("incremental.cursor", "is required: a source column (timestamp, date or integer)");
        }

        if (incremental.QueryParam is not null && spec.Source.Kind is not SourceKind.Http)
        {
            error("incremental.query_param", "applies to http sources only");
        }
        else if (incremental.QueryParam is { } param && string.IsNullOrWhiteSpace(param))
        {
            error("incremental.query_param", "must not be empty");
        }

        if (spec.Target.Mode == WriteMode.Replace)
        {
            error("incremental", "does not go with mode replace: each run would replace the dataset with only the new rows (use append or merge)");
        }
    }

    private static void ValidateHttp(SourceSpec source, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(source.Url))
        {
            error("source.url", "is required for http sources");
        }
        else if (!Uri.TryCreate(source.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            error("source.url", $"'{source.Url}' is not an http(s) URL");
        }

        foreach (var (name, value) in source.Headers)
        {
            if (!HeaderName().IsMatch(name))
            {
                error($"source.headers.{name}", "is not a valid header name");
            }
            else if (string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && !value.Contains("${secret:", StringComparison.Ordinal))
            {
                // A literal credential would be stored with the spec and shown by the API.
                error($"source.headers.{name}", "must not hold a credential: use auth.bearer_from or ${secret:NAME}");
            }
        }

        if (source.Auth is { } auth)
        {
            if ((auth.BearerFrom is null) == (auth.ValueFrom is null))
            {
                error("source.auth", "needs exactly one of bearer_from or value_from (with header)");
            }

            SecretKey(auth.BearerFrom, "source.auth.bearer_from", error);
            SecretKey(auth.ValueFrom, "source.auth.value_from", error);
            if (auth.ValueFrom is not null && (auth.Header is null || !HeaderName().IsMatch(auth.Header)))
            {
                error("source.auth.header", "is required with value_from: the header to send it in (e.g. X-Api-Key)");
            }
            else if (auth.Header is not null && auth.ValueFrom is null)
            {
                error("source.auth.header", "goes with value_from");
            }
        }

        if (source.Pagination is { } p)
        {
            ValidatePagination(p, error);
        }
    }

    private static void ValidatePagination(PaginationSpec p, Action<string, string> error)
    {
        const string path = "source.pagination";
        if (p.Style is null)
        {
            error($"{path}.style", $"is required ({string.Join(", ", Styles.Keys)})");
            return;
        }

        if (!Styles.TryGetValue(p.Style, out var kind))
        {
            error($"{path}.style", $"'{p.Style}' is not one of: {string.Join(", ", Styles.Keys)}");
            return;
        }

        void Only(string key, object? value, params PaginationKind[] kinds)
        {
            if (value is not null && !kinds.Contains(kind))
            {
                error($"{path}.{key}", $"does not apply to style {p.Style}");
            }
        }

        Only("page_param", p.PageParam, PaginationKind.PageNumber);
        Only("first_page", p.FirstPage, PaginationKind.PageNumber);
        Only("size_param", p.SizeParam, PaginationKind.PageNumber);
        Only("page_size", p.PageSize, PaginationKind.PageNumber, PaginationKind.Offset);
        Only("offset_param", p.OffsetParam, PaginationKind.Offset);
        Only("limit_param", p.LimitParam, PaginationKind.Offset);
        Only("cursor_path", p.CursorPath, PaginationKind.Cursor);
        Only("cursor_param", p.CursorParam, PaginationKind.Cursor);

        if (p.FirstPage is < 0 or > int.MaxValue)
        {
            error($"{path}.first_page", "must be 0 or more");
        }

        if (p.PageSize is < 1 or > 100_000)
        {
            error($"{path}.page_size", "must be between 1 and 100000");
        }

        if (p.MaxPages is < 1 or > 1_000_000)
        {
            error($"{path}.max_pages", "must be between 1 and 1000000");
        }

        foreach (var (key, value) in new[] { ("page_param", p.PageParam), ("size_param", p.SizeParam), ("offset_param", p.OffsetParam), ("limit_param", p.LimitParam), ("cursor_param", p.CursorParam), ("cursor_path", p.CursorPath) })
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
            {
                error($"{path}.{key}", "must not be empty");
            }
        }
    }

    private static void SecretKey(string? key, string path, Action<string, string> error)
    {
        if (key is null)
        {
            return;
        }

        // Any other key could hand the catalog's own connection string to whatever URL the spec names.
        if (!key.StartsWith(SecretsSection + ":", StringComparison.Ordinal) || key.Length == SecretsSection.Length + 1)
        {
            error(path, $"'{key}' must be a configuration key under {SecretsSection}: (e.g. {SecretsSection}:github)");
        }
    }

    /// <summary>What the extractor reads for an http source; credentials are resolved by <paramref name="secret"/>.</summary>
    public static HttpApiSource ToHttpApiSource(SourceSpec source, Func<string, string?> secret, IncrementalSpec? incremental, string? watermark)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(secret);
        var url = new Uri(source.Url!);
        if (incremental?.QueryParam is { } param && watermark is not null)
        {
            url = HttpApiSource.WithQuery(url, [new(param, watermark)]);
        }

        var headers = new Dictionary<string, string>(source.Headers, StringComparer.OrdinalIgnoreCase);
        if (source.Auth is { } auth)
        {
            var key = auth.BearerFrom ?? auth.ValueFrom!;
            var value = secret(key) ?? throw new InvalidOperationException($"source.auth: configuration key '{key}' is not set.");
            headers[auth.BearerFrom is null ? auth.Header! : "Authorization"] = auth.BearerFrom is null ? value : "Bearer " + value;
        }

        var p = source.Pagination;
        var defaults = new Pagination();
        var pagination = p is null ? defaults : new Pagination
        {
            Kind = Styles[p.Style!],
            PageParameter = p.PageParam ?? defaults.PageParameter,
            FirstPage = (int?)p.FirstPage ?? defaults.FirstPage,
            SizeParameter = p.SizeParam,
            PageSize = (int?)p.PageSize ?? defaults.PageSize,
            OffsetParameter = p.OffsetParam ?? defaults.OffsetParameter,
            LimitParameter = p.LimitParam ?? defaults.LimitParameter,
            CursorPath = p.CursorPath ?? defaults.CursorPath,
            CursorParameter = p.CursorParam ?? defaults.CursorParameter,
        };
        return new HttpApiSource(url, source.Records ?? string.Empty, headers, pagination, (int?)p?.MaxPages ?? 10_000);
    }

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();
}
