using Ductus.Core.Lake;

namespace Ductus.Core.Specs;

/// <summary>
/// A pipeline as its author wrote it (YAML or JSON, snake_case keys). Parsing builds this
/// model and reports shape errors; <see cref="SpecValidator"/> reports everything else.
/// A spec that came with errors is partial and must not be run.
/// </summary>
public sealed record PipelineSpec
{
    public string Name { get; init; } = string.Empty;

    public string? Description { get; init; }

    /// <summary>Who answers for the pipeline and its dataset (a team or a person), free text; searchable.</summary>
    public string? Owner { get; init; }

    /// <summary>Labels for finding and grouping datasets (<c>finance</c>, <c>pii</c>); lower case, see <see cref="SpecValidator"/>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public SourceSpec Source { get; init; } = new();

    /// <summary>SQL over a relation named <c>source</c>; null means <c>SELECT * FROM source</c>.</summary>
    public string? Transform { get; init; }

    public ContractSpec? Contract { get; init; }

    public TargetSpec Target { get; init; } = new();

    /// <summary>Quartz cron expression (seconds first, e.g. <c>0 0 * * * ?</c>).</summary>
    public string? Schedule { get; init; }

    public RetrySpec? Retries { get; init; }

    /// <summary>
    /// How old the target dataset's last load may get before an alert; null: a scheduled
    /// pipeline's dataset is late after two missed schedule times (<c>Freshness.Lateness</c>).
    /// </summary>
    public FreshnessSpec? Freshness { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// DuckDB memory limit of this pipeline's runs (<see cref="MemorySize"/>); above it a run
    /// spills to its scratch folder, which goes with the run. Null: the service's default.
    /// </summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Read only what is past the last committed watermark; null reads everything every run.</summary>
    public IncrementalSpec? Incremental { get; init; }

    /// <summary>
    /// Models only: <see cref="RunOn.Commit"/> queues a run whenever a dataset the model reads
    /// commits a new snapshot (besides <see cref="Schedule"/>, if set).
    /// </summary>
    public RunOn? On { get; init; }

    /// <summary>
    /// How a run's columns may differ from its dataset's current ones; null: the spec did not say,
    /// which is <see cref="SchemaEvolutionPolicy.AddColumns"/> (<see cref="SchemaPolicy"/>).
    /// </summary>
    public SchemaEvolutionPolicy? SchemaEvolution { get; init; }

    /// <summary>The policy runs apply: <see cref="SchemaEvolution"/> or its default.</summary>
    public SchemaEvolutionPolicy SchemaPolicy => SchemaEvolution ?? SchemaEvolutionPolicy.AddColumns;
}

/// <summary>
/// Which differences between a run's columns and its dataset's current columns the run may commit
/// (<c>schema_evolution</c>). A column the run lacks is never a change: the dataset keeps it and the
/// run's rows read it as NULL.
/// </summary>
public enum SchemaEvolutionPolicy
{
    /// <summary>The same columns with the same types; a replace is held to it too.</summary>
    Strict,

    /// <summary>New columns (older files read them as NULL); no type changes.</summary>
    AddColumns,

    /// <summary>New columns and types that widen (int→bigint→double, a longer decimal, date→timestamp).</summary>
    Widen,
}

/// <summary>What, besides a schedule or a request, starts a run.</summary>
public enum RunOn
{
    /// <summary>A successful commit of any dataset the model reads.</summary>
    Commit,
}

public enum SourceKind
{
    Csv,
    Json,
    Ndjson,
    Parquet,

    /// <summary>An HTTP JSON API (<see cref="SourceSpec.Url"/>), read page by page.</summary>
    Http,

    /// <summary>A query (<see cref="SourceSpec.Query"/>) on a PostgreSQL connection named in configuration.</summary>
    Postgres,

    /// <summary>Records pushed to <c>POST /api/datasets/{dataset}/records</c>, drained from the ingest buffer.</summary>
    Ingest,

    /// <summary>
    /// Datasets of the same workspace: one whole (<see cref="SourceSpec.Dataset"/>) or a SELECT
    /// over several (<see cref="SourceSpec.Sql"/>), each read at the snapshot the run pinned.
    /// </summary>
    Model,
}

public sealed record SourceSpec
{
    /// <summary>Null when the spec did not say (a validation error).</summary>
    public SourceKind? Kind { get; init; }

    /// <summary>A path relative to a source root (globs allowed), or an http(s) URL.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>CSV field separator; sniffed when null (<c>,</c> when columns are listed).</summary>
    public string? Delimiter { get; init; }

    /// <summary>CSV quote character (empty for none); sniffed when null, <c>"</c> when <see cref="Columns"/> are listed.</summary>
    public string? Quote { get; init; }

    /// <summary>Whether the first CSV line holds column names; sniffed when null (true when columns are listed).</summary>
    public bool? Header { get; init; }

    /// <summary>
    /// The source's complete schema in file order (spec type names). For CSV this also turns the
    /// sniffer off: delimiter, quote and header then default to <c>,</c>, <c>"</c> and true.
    /// </summary>
    public IReadOnlyList<SourceColumn> Columns { get; init; } = [];

    /// <summary><c>auto</c> (by extension), <c>none</c>, <c>gzip</c> or <c>zstd</c>; null means auto.</summary>
    public string? Compression { get; init; }

    /// <summary>http: the API's URL (http or https); the egress policy applies to it and to every redirect.</summary>
    public string? Url { get; init; }

    /// <summary>http: request headers; values may name <c>${secret:NAME}</c> (configuration <c>Ductus:Secrets:NAME</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>http: credentials taken from configuration by key, never written in the spec.</summary>
    public SourceAuth? Auth { get; init; }

    /// <summary>http: dotted path of the record array in each body (<c>data.items</c>); null when the body is the array.</summary>
    public string? Records { get; init; }

    public PaginationSpec? Pagination { get; init; }

    /// <summary>postgres: the connection's name in configuration (<c>Ductus:Sources:Postgres:NAME</c> or <c>ConnectionStrings:NAME</c>).</summary>
    public string? Connection { get; init; }

    /// <summary>postgres: one SELECT, run in a read-only transaction.</summary>
    public string? Query { get; init; }

    /// <summary>model: the dataset read whole (<c>source: { dataset: flights }</c>).</summary>
    public string? Dataset { get; init; }

    /// <summary>model: one SELECT over datasets of the workspace, checked like a query of the sandbox.</summary>
    public string? Sql { get; init; }

    /// <summary>
    /// model with <c>mode: incremental</c>: the input whose appends drive it (only their new rows
    /// are read; every other input is read whole). Needed only when the model reads more than one.
    /// </summary>
    public string? Driving { get; init; }
}

/// <summary>Where an HTTP source's credentials come from: configuration keys under <c>Ductus:Secrets:</c>.</summary>
/// <param name="BearerFrom">Sent as <c>Authorization: Bearer &lt;value&gt;</c>.</param>
/// <param name="Header">A header to send <paramref name="ValueFrom"/> in (<c>X-Api-Key</c>).</param>
public sealed record SourceAuth(string? BearerFrom, string? Header, string? ValueFrom);

/// <summary>How an HTTP source pages; unset values keep the defaults of <see cref="Sources.Pagination"/>.</summary>
public sealed record PaginationSpec
{
    /// <summary><c>none</c>, <c>page_number</c>, <c>offset</c>, <c>cursor</c> or <c>link_header</c>; null when the spec did not say (an error).</summary>
    public string? Style { get; init; }

    public string? PageParam { get; init; }

    public long? FirstPage { get; init; }

    public string? SizeParam { get; init; }

    public long? PageSize { get; init; }

    public string? OffsetParam { get; init; }

    public string? LimitParam { get; init; }

    public string? CursorPath { get; init; }

    public string? CursorParam { get; init; }

    public long? MaxPages { get; init; }
}

/// <summary>
/// An incremental cursor: a source column (timestamp, date or integer) whose highest loaded value
/// is committed with the snapshot; the next run reads only rows above it.
/// </summary>
/// <param name="QueryParam">http only: the query parameter that passes the watermark to the API.</param>
public sealed record IncrementalSpec(string Cursor, string? QueryParam = null);

public sealed record SourceColumn(string Name, string Type);

public enum ContractPolicy
{
    /// <summary>Keep going: good rows load, rejected rows are kept with their reasons.</summary>
    Quarantine,

    /// <summary>Any rejected row fails the run and nothing is loaded.</summary>
    Fail,
}

public sealed record ContractSpec
{
    public ContractPolicy Policy { get; init; } = ContractPolicy.Quarantine;

    /// <summary>Rejected / read above which the run fails (0..1); null means no limit.</summary>
    public double? MaxRejectRatio { get; init; }

    public IReadOnlyList<ColumnContract> Columns { get; init; } = [];

    public IReadOnlyList<RowRule> Rules { get; init; } = [];

    /// <summary>Fewest rows the run must load, else it fails.</summary>
    public long? MinRows { get; init; }

    /// <summary>Most rows the run may load, else it fails.</summary>
    public long? MaxRows { get; init; }

    /// <summary>Columns whose combination must be unique; every row of a duplicated key is rejected.</summary>
    public IReadOnlyList<string> UniqueKey { get; init; } = [];
}

public sealed record ColumnContract
{
    public string Name { get; init; } = string.Empty;

    /// <summary>Spec type name (<see cref="SpecTypes"/>); the loaded column gets this type.</summary>
    public string? Type { get; init; }

    public bool Required { get; init; }

    public bool Unique { get; init; }

    /// <summary>Inclusive lower bound as written (a number, or a date/timestamp literal).</summary>
    public string? Min { get; init; }

    /// <summary>Inclusive upper bound as written.</summary>
    public string? Max { get; init; }

    /// <summary>Regular expression the value (as text) must contain a match of; anchor it to match whole values.</summary>
    public string? Pattern { get; init; }

    public IReadOnlyList<string>? AcceptedValues { get; init; }

    public int? MaxLength { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// True: personal data (class <c>pii.other</c> unless <see cref="Classification"/> says);
    /// false: not personal data, even when derived from a PII column upstream; null: the spec does not say.
    /// </summary>
    public bool? Pii { get; init; }

    /// <summary>A <see cref="Core.Pii.PiiClassification"/> class (<c>pii.email</c> …); implies <see cref="Pii"/>.</summary>
    public string? Classification { get; init; }

    /// <summary><c>hash</c> (the default for PII), <c>partial</c>, <c>null</c> or a SQL expression over the dataset's columns.</summary>
    public string? Mask { get; init; }
}

/// <summary>A named SQL boolean expression over the transformed columns; a row passes when it is true or null.</summary>
public sealed record RowRule(string Name, string Sql, string? Description = null);

public sealed record TargetSpec
{
    public string Dataset { get; init; } = string.Empty;

    public WriteMode Mode { get; init; } = WriteMode.Append;

    /// <summary>Merge key columns; required for <see cref="WriteMode.Merge"/>.</summary>
    public IReadOnlyList<string> Key { get; init; } = [];
}

public sealed record RetrySpec(int Max, TimeSpan Backoff);

/// <summary>The freshness SLA: the age of the last successful load past which the dataset alerts at each level.</summary>
public sealed record FreshnessSpec(TimeSpan? WarnAfter, TimeSpan? ErrorAfter);
