using System.Globalization;
using System.Text.RegularExpressions;
using Ductus.Core.Lake;

namespace Ductus.Core.Specs;

/// <summary>
/// Checks everything about a spec that can be checked without running it, and reports every
/// problem at once with its path, so an author fixes a spec in one round trip.
/// </summary>
public static partial class SpecValidator
{
    /// <summary>Parse errors and validation errors of a YAML spec together.</summary>
    public static IReadOnlyList<SpecError> ValidateYaml(string yaml, SourceRoots roots) => Combine(SpecParser.ParseYaml(yaml), roots);

    public static IReadOnlyList<SpecError> Validate(PipelineSpec spec, SourceRoots roots)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(roots);
        var errors = new List<SpecError>();
        void Error(string path, string message) => errors.Add(new SpecError(path, message));

        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            Error("name", "is required");
        }
        else if (!PipelineName().IsMatch(spec.Name))
        {
            Error("name", $"'{spec.Name}' must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter");
        }

        SpecCatalogRules.Validate(spec, Error);
        ValidateSource(spec.Source, roots, Error);

        if (spec.Transform is not null && string.IsNullOrWhiteSpace(spec.Transform))
        {
            Error("transform", "must not be empty (leave it out to load the source as it is)");
        }

        if (spec.Contract is { } contract)
        {
            ValidateContract(contract, Error);
        }

        ValidateTarget(spec.Target, Error);
        SourceSpecRules.ValidateIncremental(spec, Error);
        SourceSpecRules.ValidateIncrementalModel(spec, Error);
        SourceSpecRules.ValidateOn(spec, Error);

        if (spec.Schedule is { } schedule)
        {
            try
            {
                _ = new Quartz.CronExpression(schedule);
            }
            catch (FormatException ex)
            {
                Error("schedule", $"'{schedule}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year], e.g. '0 0 * * * ?'): {ex.Message}");
            }
        }

        if (spec.Retries is { } retries)
        {
            if (retries.Max is < 0 or > 100)
            {
                Error("retries.max", "must be between 0 and 100");
            }

            if (retries.Backoff < TimeSpan.Zero || retries.Backoff > TimeSpan.FromDays(1))
            {
                Error("retries.backoff", "must be between 0s and 1d");
            }
        }

        ValidateFreshness(spec.Freshness, Error);

        if (spec.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromDays(7)))
        {
            Error("timeout", "must be more than 0s and at most 7d");
        }

        if (spec.MemoryLimit is not null && MemorySize.Problem(spec.MemoryLimit) is { } memory)
        {
            Error("memory_limit", memory);
        }

        return errors;
    }

    private static void ValidateFreshness(FreshnessSpec? freshness, Action<string, string> error)
    {
        if (freshness is null)
        {
            return;
        }

        if (freshness.WarnAfter is null && freshness.ErrorAfter is null)
        {
            error("freshness", "needs warn_after, error_after or both");
        }

        foreach (var (key, value) in new[] { ("warn_after", freshness.WarnAfter), ("error_after", freshness.ErrorAfter) })
        {
            if (value is { } age && (age < TimeSpan.FromMinutes(1) || age > TimeSpan.FromDays(365)))
            {
                error($"freshness.{key}", "must be between 1m and 365d");
            }
        }

        if (freshness is { WarnAfter: { } warn, ErrorAfter: { } fail } && warn >= fail)
        {
            error("freshness.error_after", $"must be longer than warn_after ({Durations.Format(warn)})");
        }
    }

    private static IReadOnlyList<SpecError> Combine(SpecParseResult parsed, SourceRoots roots) =>
        parsed.Spec is null ? parsed.Errors : [.. parsed.Errors, .. Validate(parsed.Spec, roots).Where(e => !parsed.Errors.Any(p => p.Path == e.Path))];

    private static void ValidateSource(SourceSpec source, SourceRoots roots, Action<string, string> error)
    {
        if (source.Kind is null)
        {
            error("source.kind", "is required (csv, json, ndjson, parquet, http, postgres, ingest or model)");
        }

        if (source.Kind is SourceKind.Ingest)
        {
            // The records come from the ingest buffer of the target dataset, not from a path.
            if (source.Path.Length > 0)
            {
                error("source.path", "does not apply to ingest sources (they read the records pushed to the target dataset)");
            }
        }
        else if (source.Kind is SourceKind.Http or SourceKind.Postgres or SourceKind.Model)
        {
            if (source.Path.Length > 0)
            {
                error("source.path", source.Kind switch
                {
                    SourceKind.Http => "does not apply to http sources (use url)",
                    SourceKind.Postgres => "does not apply to postgres sources (use connection and query)",
                    _ => "does not apply to model sources (use dataset or sql)",
                });
            }
        }
        else if (roots.Resolve(source.Path).Error is { } message)
        {
            error("source.path", message);
        }

        SourceSpecRules.Validate(source, error);

        if (source.Delimiter is { } delimiter && (source.Kind is not SourceKind.Csv || delimiter.Length != 1))
        {
            error("source.delimiter", source.Kind is SourceKind.Csv ? "must be exactly one character" : "applies to csv sources only");
        }

        if (source.Quote is { } quote && (source.Kind is not SourceKind.Csv || quote.Length > 1))
        {
            error("source.quote", source.Kind is SourceKind.Csv ? "must be one character, or empty for no quoting" : "applies to csv sources only");
        }

        if (source.Header is not null && source.Kind is not SourceKind.Csv)
        {
            error("source.header", "applies to csv sources only");
        }

        if (source.Compression is { } compression)
        {
            if (compression is not ("auto" or "none" or "gzip" or "zstd"))
            {
                error("source.compression", $"'{compression}' is not one of: auto, none, gzip, zstd");
            }
            else if (source.Kind is SourceKind.Parquet or SourceKind.Http or SourceKind.Postgres or SourceKind.Model)
            {
                error("source.compression", $"does not apply to {Lower(source.Kind.Value)} sources");
            }
        }

        if (source.Columns.Count > 0 && source.Kind is SourceKind.Parquet or SourceKind.Postgres or SourceKind.Model)
        {
            error("source.columns", source.Kind switch
            {
                SourceKind.Parquet => "does not apply to parquet (its types are inside the file)",
                SourceKind.Postgres => "does not apply to postgres (the query's types are used)",
                _ => "does not apply to models (the input datasets' types are used)",
            });
        }

        foreach (var column in source.Columns)
        {
            if (SpecTypes.ToDuckDb(column.Type) is null)
            {
                error($"source.columns.{column.Name}", UnknownType(column.Type));
            }
        }
    }

    /// <summary>The contract's own checks, also applied to a rule edited in the Api's what-if before it runs.</summary>
    public static void ValidateContract(ContractSpec contract, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(error);
        if (contract.MaxRejectRatio is { } ratio && ratio is < 0 or > 1)
        {
            error("contract.max_reject_ratio", "must be between 0 and 1");
        }

        if (contract.MinRows is < 0)
        {
            error("contract.min_rows", "must not be negative");
        }

        if (contract.MinRows is { } minRows && contract.MaxRows is { } maxRows && maxRows < minRows)
        {
            error("contract.max_rows", "must not be less than min_rows");
        }

        var columnNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var column in contract.Columns)
        {
            columnNames.Add(column.Name);
            ValidateColumn(column, $"contract.columns.{column.Name}", error);
        }

        var ruleNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < contract.Rules.Count; i++)
        {
            var rule = contract.Rules[i];
            var path = $"contract.rules[{i}]";
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                error($"{path}.name", "is required");
            }
            else if (!RuleName().IsMatch(rule.Name))
            {
                error($"{path}.name", $"'{rule.Name}' must be a-z, 0-9 and '_', starting with a letter");
            }
            else if (!ruleNames.Add(rule.Name))
            {
                error($"{path}.name", $"'{rule.Name}' is used twice");
            }

            if (string.IsNullOrWhiteSpace(rule.Sql))
            {
                error($"{path}.sql", "is required: a SQL boolean expression over the transformed columns");
            }
            else if (rule.Sql.Contains(';', StringComparison.Ordinal))
            {
                error($"{path}.sql", "must be one expression, without ';'");
            }
        }

        for (var i = 0; i < contract.UniqueKey.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(contract.UniqueKey[i]))
            {
                error($"contract.unique_key[{i}]", "must be a column name");
            }
        }
    }

    private static void ValidateColumn(ColumnContract column, string path, Action<string, string> error)
    {
        if (column.Name.StartsWith("_ductus_", StringComparison.OrdinalIgnoreCase))
        {
            error(path, "names starting with _ductus_ are reserved for the lake's own columns");
        }

        string? duckType = null;
        if (column.Type is not null)
        {
            duckType = SpecTypes.ToDuckDb(column.Type);
            if (duckType is null)
            {
                error($"{path}.type", UnknownType(column.Type));
            }
        }

        var min = CheckBound(column.Min, duckType, $"{path}.min", error);
        var max = CheckBound(column.Max, duckType, $"{path}.max", error);
        if (min is double lo && max is double hi && lo > hi)
        {
            error($"{path}.max", $"{column.Max} is less than min {column.Min}");
        }

        if (column.Pattern is { } pattern)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                error($"{path}.pattern", $"is not a valid regular expression: {ex.Message}");
            }
        }

        if (column.MaxLength is <= 0)
        {
            error($"{path}.max_length", "must be at least 1");
        }

        if (column.AcceptedValues is { Count: 0 })
        {
            error($"{path}.accepted_values", "must list at least one value");
        }

        Pii.PiiSpecRules.ValidateColumn(column, path, error);
    }

    private static double? CheckBound(string? bound, string? duckType, string path, Action<string, string> error)
    {
        if (bound is null)
        {
            return null;
        }

        if (duckType is not null && SpecTypes.IsTemporal(duckType))
        {
            if (!DateTimeOffset.TryParse(bound, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
                && !TimeOnly.TryParse(bound, CultureInfo.InvariantCulture, out _))
            {
                error(path, $"must be a date or time like 2001-01-31, not '{bound}'");
            }

            return null;
        }

        if (duckType is not null && !SpecTypes.IsNumeric(duckType))
        {
            error(path, $"applies to numbers, dates and times, not {duckType}");
            return null;
        }

        if (double.TryParse(bound, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        error(path, $"must be a number, not '{bound}'");
        return null;
    }

    private static void ValidateTarget(TargetSpec target, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(target.Dataset))
        {
            error("target.dataset", "is required");
        }
        else if (!DatasetName().IsMatch(target.Dataset))
        {
            error("target.dataset", $"'{target.Dataset}' must be 1-63 characters of a-z, 0-9 and '_', starting with a letter");
        }

        if (target.Mode == WriteMode.Merge && target.Key.Count == 0)
        {
            error("target.key", "is required when mode is merge");
        }
        else if (target.Mode != WriteMode.Merge && target.Key.Count > 0)
        {
            error("target.key", "applies to mode merge only");
        }
    }

    private static string Lower(SourceKind kind) => kind.ToString().ToLowerInvariant();

    private static string UnknownType(string? type) =>
        $"unknown type '{type}' (expected one of: {string.Join(", ", SpecTypes.Names)})";

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PipelineName();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    internal static partial Regex DatasetName();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleName();
}
