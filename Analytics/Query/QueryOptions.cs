using Microsoft.Extensions.Options;

namespace Ductus.Analytics.Query;

/// <summary>Limits of the query sandbox (<c>Ductus:Query</c>).</summary>
public sealed class QueryOptions
{
    public const string Section = "Ductus:Query";

    /// <summary>A query still running after this long is interrupted.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most rows one result returns; a request may ask for fewer, never more.</summary>
    public int MaxRows { get; set; } = 100_000;

    /// <summary>DuckDB <c>memory_limit</c> of one sandbox, e.g. <c>1GB</c>.</summary>
    public string MemoryLimit { get; set; } = "1GB";

    /// <summary>DuckDB worker threads of one sandbox.</summary>
    public int Threads { get; set; } = 2;

    /// <summary>
    /// Warm sandbox instances kept for the next query over the same workspace and snapshot files
    /// (<see cref="SandboxPool"/>), across all workspaces; the least recently used go first.
    /// Each idle instance holds its DuckDB buffers (up to <see cref="MemoryLimit"/>). 0: none kept.
    /// </summary>
    public int PoolSize { get; set; } = 8;

    /// <summary>An instance idle this long is closed.</summary>
    public TimeSpan PoolIdleTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where Parquet results are written before they are streamed out; each query gets its own
    /// sub-folder, deleted afterwards. Empty: a folder under the system temp path.
    /// </summary>
    public string ScratchDirectory { get; set; } = string.Empty;

    internal string ResolvedScratchDirectory =>
        string.IsNullOrWhiteSpace(ScratchDirectory) ? Path.Combine(Path.GetTempPath(), "ductus-query") : ScratchDirectory;
}

public sealed class QueryOptionsValidator : IValidateOptions<QueryOptions>
{
    public ValidateOptionsResult Validate(string? name, QueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{QueryOptions.Section}:Timeout must be positive, not '{options.Timeout}'.");
        }

        if (options.MaxRows < 1)
        {
            failures.Add($"{QueryOptions.Section}:MaxRows must be at least 1, not {options.MaxRows}.");
        }

        if (options.Threads < 1)
        {
            failures.Add($"{QueryOptions.Section}:Threads must be at least 1, not {options.Threads}.");
        }

        if (options.PoolSize < 0)
        {
            failures.Add($"{QueryOptions.Section}:PoolSize must be 0 or more, not {options.PoolSize}.");
        }

        if (options.PoolIdleTime <= TimeSpan.Zero)
        {
            failures.Add($"{QueryOptions.Section}:PoolIdleTime must be positive, not '{options.PoolIdleTime}'.");
        }

        if (Core.Specs.MemorySize.Problem(options.MemoryLimit) is { } memory)
        {
            failures.Add($"{QueryOptions.Section}:MemoryLimit: {memory}.");
        }

        if (!string.IsNullOrWhiteSpace(options.ScratchDirectory) && !Path.IsPathFullyQualified(options.ScratchDirectory))
        {
            failures.Add($"{QueryOptions.Section}:ScratchDirectory must be an absolute path, not '{options.ScratchDirectory}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
