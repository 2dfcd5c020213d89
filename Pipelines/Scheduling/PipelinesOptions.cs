using Microsoft.Extensions.Options;

namespace Ductus.Pipelines.Scheduling;

/// <summary>The Pipelines service's settings (<c>Ductus:Pipelines</c>).</summary>
public sealed class PipelinesOptions
{
    public const string Section = "Ductus:Pipelines";

    /// <summary>Folder of spec files (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>) kept in step with the catalog.</summary>
    public string Folder { get; set; } = string.Empty;

    /// <summary>Workspace the folder's specs belong to.</summary>
    public string Workspace { get; set; } = "default";

    /// <summary>How often queued runs (created through the API) are looked for, besides the Redis nudge.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a running run checks whether it was cancelled.</summary>
    public TimeSpan CancelCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Run a scheduled pipeline at once when its dataset has never been loaded, instead of waiting for the first cron time.</summary>
    public bool RunNeverLoadedAtStart { get; set; } = true;
}

public sealed class PipelinesOptionsValidator : IValidateOptions<PipelinesOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:PollInterval must be positive, not {options.PollInterval}.");
        }

        if (options.CancelCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{PipelinesOptions.Section}:CancelCheckInterval must be positive, not {options.CancelCheckInterval}.");
        }

        if (string.IsNullOrWhiteSpace(options.Workspace))
        {
            errors.Add($"{PipelinesOptions.Section}:Workspace is required.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
