using Microsoft.Extensions.Options;

namespace Ductus.AppHost.Watch;

/// <summary>How the AppHost watches what it started (<c>Ductus:Watch</c>).</summary>
public sealed class StackWatchOptions
{
    public const string Section = "Ductus:Watch";

    /// <summary>
    /// How long a resource may run without turning healthy while the stack starts before the
    /// AppHost gives up and says which one. A crash or a failed start is reported at once; this
    /// bounds the silent case (running, never ready).
    /// </summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>
    /// How long a resource may take from the AppHost's start to running (waiting for another
    /// resource does not count against it) before the AppHost gives up and says which one and in
    /// what state: the silent case before <see cref="HealthTimeout"/>, e.g. an orchestrator that
    /// never starts the process.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>How long a PostgreSQL data folder still locked by a stopping cluster is waited for.</summary>
    public TimeSpan PostgresLockWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long stopping waits for each process the stack started, before it is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many times one service is restarted after a crash (per <see cref="RestartWindow"/>) before the stack stops.</summary>
    public int MaxRestarts { get; set; } = 3;

    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many of a failed resource's last log lines are shown.</summary>
    public int TailLines { get; set; } = 20;
}

public sealed class StackWatchOptionsValidator : IValidateOptions<StackWatchOptions>
{
    public ValidateOptionsResult Validate(string? name, StackWatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (key, value) in new[]
        {
            (nameof(options.HealthTimeout), options.HealthTimeout),
            (nameof(options.StartTimeout), options.StartTimeout),
            (nameof(options.PostgresLockWait), options.PostgresLockWait),
            (nameof(options.StopTimeout), options.StopTimeout),
            (nameof(options.RestartWindow), options.RestartWindow),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{StackWatchOptions.Section}:{key} must be a positive time span (e.g. 00:00:30), not '{value}'.");
            }
        }

        if (options.MaxRestarts < 0)
        {
            errors.Add($"{StackWatchOptions.Section}:{nameof(options.MaxRestarts)} must be 0 or more, not {options.MaxRestarts}.");
        }

        if (options.TailLines is < 1 or > 500)
        {
            errors.Add($"{StackWatchOptions.Section}:{nameof(options.TailLines)} must be between 1 and 500, not {options.TailLines}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
