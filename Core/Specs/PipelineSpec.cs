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

    public SourceSpec Source { get; init; } = new();

    /// <summary>SQL over a relation named <c>source</c>; null means <c>SELECT * FROM source</c>.</summary>
    public string? Transform { get; init; }

    public ContractSpec? Contract { get; init; }

    public TargetSpec Target { get; init; } = new();

    /// <summary>Quartz cron expression (seconds first, e.g. <c>0 0 * * * ?</c>).</summary>
    public string? Schedule { get; init; }

    public RetrySpec? Retries { get; init; }

    public TimeSpan? Timeout { get; init; }
}

public enum SourceKind
{
    Csv,
    Json,
    Ndjson,
    Parquet,

    /// <summary>Records pushed to <c>POST /api/datasets/{dataset}/records</c>, drained from the ingest buffer.</summary>
    Ingest,
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
}

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
