using System.Globalization;
using Ductus.Core.Lake;
using Ductus.Core.Pii;

namespace Ductus.Core.Specs;

/// <summary>
/// Builds the model from the tree, collecting every shape error (unknown key, a list where a
/// value belongs, <c>max: abc</c>, a bad duration) with its path instead of stopping at the first.
/// </summary>
internal sealed partial class SpecBinder(List<SpecError> errors)
{
    /// <summary>The keys each mapping accepts; the JSON Schema test holds <c>schemas/pipeline-spec.schema.json</c> to these.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Keys = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["pipeline"] = ["name", "description", "owner", "tags", "source", "transform", "contract", "target", "schedule", "retries", "freshness", "timeout", "incremental", "on", "memory_limit", "schema_evolution"],
        ["source"] = ["kind", "path", "delimiter", "quote", "header", "columns", "compression", "url", "headers", "auth", "records", "pagination", "connection", "query", "dataset", "sql", "driving"],
        ["auth"] = ["bearer_from", "header", "value_from"],
        ["pagination"] = ["style", "page_param", "first_page", "size_param", "page_size", "offset_param", "limit_param", "cursor_path", "cursor_param", "max_pages"],
        ["incremental"] = ["cursor", "query_param"],
        ["contract"] = ["policy", "max_reject_ratio", "columns", "rules", "min_rows", "max_rows", "unique_key"],
        ["column"] = ["type", "required", "unique", "min", "max", "pattern", "accepted_values", "max_length", "description", "pii", "classification", "mask"],
        ["rule"] = ["name", "sql", "description"],
        ["target"] = ["dataset", "mode", "key"],
        ["retries"] = ["max", "backoff"],
        ["freshness"] = ["warn_after", "error_after"],
    };

    public PipelineSpec Pipeline(MapNode map)
    {
        var f = Fields(map, "", Keys["pipeline"]);
        return new PipelineSpec
        {
            Name = Text(f, "name", "name") ?? string.Empty,
            Description = Text(f, "description", "description"),
            Owner = Text(f, "owner", "owner"),
            Tags = Strings(f, "tags", "tags") ?? [],
            Source = Map(f, "source", "source") is { } s ? Source(s) : new SourceSpec(),
            Transform = Text(f, "transform", "transform"),
            Contract = Map(f, "contract", "contract") is { } c ? Contract(c) : null,
            Target = Map(f, "target", "target") is { } t ? Target(t) : new TargetSpec(),
            Schedule = Text(f, "schedule", "schedule"),
            Retries = Map(f, "retries", "retries") is { } r ? Retries(r) : null,
            Freshness = Map(f, "freshness", "freshness") is { } fr && Fields(fr, "freshness", Keys["freshness"]) is var ff
                ? new FreshnessSpec(Duration(ff, "warn_after", "freshness.warn_after"), Duration(ff, "error_after", "freshness.error_after")) : null,
            Timeout = Duration(f, "timeout", "timeout"),
            MemoryLimit = Text(f, "memory_limit", "memory_limit"),
            Incremental = Map(f, "incremental", "incremental") is { } i ? Incremental(i) : null,
            On = Choice<RunOn>(f, "on", "on"),
            SchemaEvolution = Choice<SchemaEvolutionPolicy>(f, "schema_evolution", "schema_evolution"),
        };
    }

    private IncrementalSpec Incremental(MapNode map)
    {
        var f = Fields(map, "incremental", Keys["incremental"]);
        return new IncrementalSpec(Text(f, "cursor", "incremental.cursor") ?? string.Empty, Text(f, "query_param", "incremental.query_param"));
    }

    private Dictionary<string, string> Headers(MapNode map)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, node) in map.Entries)
        {
            if (Scalar(node, $"source.headers.{name}") is { } value && !headers.TryAdd(name, value))
            {
                errors.Add(new SpecError($"source.headers.{name}", "appears twice"));
            }
        }

        return headers;
    }

    private SourceAuth Auth(MapNode map)
    {
        var f = Fields(map, "source.auth", Keys["auth"]);
        return new SourceAuth(Text(f, "bearer_from", "source.auth.bearer_from"), Text(f, "header", "source.auth.header"), Text(f, "value_from", "source.auth.value_from"));
    }

    private PaginationSpec Pagination(MapNode map)
    {
        const string path = "source.pagination";
        var f = Fields(map, path, Keys["pagination"]);
        return new PaginationSpec
        {
            Style = Text(f, "style", $"{path}.style"),
            PageParam = Text(f, "page_param", $"{path}.page_param"),
            FirstPage = Integer(f, "first_page", $"{path}.first_page"),
            SizeParam = Text(f, "size_param", $"{path}.size_param"),
            PageSize = Integer(f, "page_size", $"{path}.page_size"),
            OffsetParam = Text(f, "offset_param", $"{path}.offset_param"),
            LimitParam = Text(f, "limit_param", $"{path}.limit_param"),
            CursorPath = Text(f, "cursor_path", $"{path}.cursor_path"),
            CursorParam = Text(f, "cursor_param", $"{path}.cursor_param"),
            MaxPages = Integer(f, "max_pages", $"{path}.max_pages"),
        };
    }

    private SourceSpec Source(MapNode map)
    {
        var f = Fields(map, "source", Keys["source"]);
        var columns = new List<SourceColumn>();
        if (Map(f, "columns", "source.columns") is { } cols)
        {
            foreach (var (name, node) in cols.Entries)
            {
                if (Scalar(node, $"source.columns.{name}") is { } type)
                {
                    columns.Add(new SourceColumn(name, type));
                }
            }
        }

        var dataset = Text(f, "dataset", "source.dataset");
        var sql = Text(f, "sql", "source.sql");
        return new SourceSpec
        {
            // `source: { dataset: flights }` says what it is without a kind.
            Kind = Choice<SourceKind>(f, "kind", "source.kind") ?? ((dataset is not null || sql is not null) && !f.ContainsKey("kind") ? SourceKind.Model : null),
            Path = Text(f, "path", "source.path") ?? string.Empty,
            Delimiter = Text(f, "delimiter", "source.delimiter"),
            Quote = Text(f, "quote", "source.quote"),
            Header = Bool(f, "header", "source.header"),
            Columns = columns,
            Compression = Text(f, "compression", "source.compression"),
            Url = Text(f, "url", "source.url"),
            Headers = Map(f, "headers", "source.headers") is { } h ? Headers(h) : System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty,
            Auth = Map(f, "auth", "source.auth") is { } a ? Auth(a) : null,
            Records = Text(f, "records", "source.records"),
            Pagination = Map(f, "pagination", "source.pagination") is { } p ? Pagination(p) : null,
            Connection = Text(f, "connection", "source.connection"),
            Query = Text(f, "query", "source.query"),
            Dataset = dataset,
            Driving = Text(f, "driving", "source.driving"),
            Sql = sql,
        };
    }

    private ContractSpec Contract(MapNode map)
    {
        var f = Fields(map, "contract", Keys["contract"]);
        var columns = new List<ColumnContract>();
        if (Map(f, "columns", "contract.columns") is { } cols)
        {
            foreach (var (name, node) in cols.Entries)
            {
                var path = $"contract.columns.{name}";
                if (node is NullNode)
                {
                    columns.Add(new ColumnContract { Name = name });
                }
                else if (node is MapNode colMap)
                {
                    columns.Add(Column(name, colMap, path));
                }
                else
                {
                    errors.Add(new SpecError(path, "must be a mapping (type, required, min, ...)"));
                }
            }
        }

        var rules = new List<RowRule>();
        if (List(f, "rules", "contract.rules") is { } list)
        {
            for (var i = 0; i < list.Items.Count; i++)
            {
                var path = $"contract.rules[{i}]";
                if (list.Items[i] is not MapNode ruleMap)
                {
                    errors.Add(new SpecError(path, "must be a mapping with name and sql"));
                    continue;
                }

                var rf = Fields(ruleMap, path, Keys["rule"]);
                rules.Add(new RowRule(Text(rf, "name", $"{path}.name") ?? string.Empty, Text(rf, "sql", $"{path}.sql") ?? string.Empty, Text(rf, "description", $"{path}.description")));
            }
        }

        return new ContractSpec
        {
            Policy = Choice<ContractPolicy>(f, "policy", "contract.policy") ?? ContractPolicy.Quarantine,
            MaxRejectRatio = Number(f, "max_reject_ratio", "contract.max_reject_ratio"),
            Columns = columns,
            Rules = rules,
            MinRows = Integer(f, "min_rows", "contract.min_rows"),
            MaxRows = Integer(f, "max_rows", "contract.max_rows"),
            UniqueKey = Strings(f, "unique_key", "contract.unique_key") ?? [],
        };
    }

    private ColumnContract Column(string name, MapNode map, string path)
    {
        var f = Fields(map, path, Keys["column"]);
        var maxLength = Integer(f, "max_length", $"{path}.max_length");
        return new ColumnContract
        {
            Name = name,
            Type = Text(f, "type", $"{path}.type"),
            Required = Bool(f, "required", $"{path}.required") ?? false,
            Unique = Bool(f, "unique", $"{path}.unique") ?? false,
            Min = Text(f, "min", $"{path}.min"),
            Max = Text(f, "max", $"{path}.max"),
            Pattern = Text(f, "pattern", $"{path}.pattern"),
            AcceptedValues = Strings(f, "accepted_values", $"{path}.accepted_values"),
            MaxLength = maxLength is > int.MaxValue or < int.MinValue ? int.MaxValue : (int?)maxLength,
            Description = Text(f, "description", $"{path}.description"),
            Pii = Bool(f, "pii", $"{path}.pii"),
            Classification = Text(f, "classification", $"{path}.classification"),
            // `mask: null` is a mask, not an absent key: a plain null scalar would otherwise vanish.
            Mask = f.TryGetValue("mask", out var mask) && mask.Node is NullNode ? PiiMasks.Null : Text(f, "mask", $"{path}.mask"),
        };
    }

    private TargetSpec Target(MapNode map)
    {
        var f = Fields(map, "target", Keys["target"]);
        return new TargetSpec
        {
            Dataset = Text(f, "dataset", "target.dataset") ?? string.Empty,
            Mode = Choice<WriteMode>(f, "mode", "target.mode") ?? WriteMode.Append,
            Key = Strings(f, "key", "target.key") ?? [],
        };
    }

    private RetrySpec Retries(MapNode map)
    {
        var f = Fields(map, "retries", Keys["retries"]);
        var max = Integer(f, "max", "retries.max") ?? 0;
        return new RetrySpec(max is > 1000 or < 0 ? -1 : (int)max, Duration(f, "backoff", "retries.backoff") ?? TimeSpan.Zero);
    }
}
