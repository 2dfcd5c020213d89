using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ductus.AppHost.Watch;

/// <summary>How the watch judges a resource's exit.</summary>
internal enum WatchedKind
{
    /// <summary>Runs until the stack stops (databases, services): any exit nobody asked for is a failure.</summary>
    LongRunning,

    /// <summary>Runs once and must exit 0 (the migrator): the services wait for it.</summary>
    RunOnce,

    /// <summary>Runs once; a failure is worth a warning, not the stack (the demo-data fetch).</summary>
    Optional,
}

/// <summary>Marks a run-once step the stack does not depend on, so its failure only warns.</summary>
internal sealed class OptionalStepAnnotation : IResourceAnnotation;

/// <summary>What the watch knows of one resource from its snapshots.</summary>
internal sealed class WatchedResource(IResource resource, WatchedKind kind)
{
    public IResource Resource { get; } = resource;

    public WatchedKind Kind { get; } = kind;

    public string Name => Resource.Name;

    public string? State { get; private set; }

    public int? ExitCode { get; private set; }

    /// <summary>The OS process of its current (or last) run, as DCP reports it.</summary>
    public int? Pid { get; private set; }

    public DateTimeOffset? RunningSince { get; private set; }

    /// <summary>When it was last seen waiting for another resource: its own start is timed from then.</summary>
    public DateTimeOffset? LastWaitingAt { get; private set; }

    /// <summary>Running and healthy (or running with no health check) at least once in this run.</summary>
    public bool Ready { get; private set; }

    /// <summary>The run-once step finished with exit code 0.</summary>
    public bool Completed { get; private set; }

    /// <summary>The health checks' last words, for a report of a resource that never turned healthy.</summary>
    public string Health { get; private set; } = "no health report yet";

    /// <summary>Someone (the dashboard, a test, the AppHost stopping) asked it to stop: its exit is no failure.</summary>
    public bool StopRequested { get; set; }

    public List<DateTimeOffset> Restarts { get; } = [];

    /// <summary>This run's exit has been judged (a later snapshot with its exit code must not restart it twice).</summary>
    public bool ExitJudged { get; set; }

    /// <summary>Aspire's own helpers (project rebuilders) that never run unless asked: not part of the stack's readiness.</summary>
    public bool Hidden { get; private set; }

    public bool IsTerminal => State is not null && KnownResourceStates.TerminalStates.Contains(State);

    /// <summary>Takes in a snapshot; returns whether its state or exit code changed (so the caller judges each once).</summary>
    public bool Update(CustomResourceSnapshot snapshot, DateTimeOffset now)
    {
        var wasTerminal = IsTerminal;
        var previous = (State, ExitCode);
        State = snapshot.State?.Text;
        Hidden = snapshot.IsHidden;
        ExitCode = snapshot.ExitCode;
        if (snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
            && int.TryParse(Convert.ToString(pid, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            Pid = id;
        }

        if (wasTerminal && !IsTerminal)
        {
            // A new run (a restart): what the last one did no longer counts.
            Ready = false;
            RunningSince = null;
            StopRequested = false;
            ExitJudged = false;
        }

        if (State == KnownResourceStates.Waiting)
        {
            LastWaitingAt = now;
        }

        if (State == KnownResourceStates.Stopping)
        {
            StopRequested = true;
        }

        if (State == KnownResourceStates.Running)
        {
            RunningSince ??= now;
            var reports = snapshot.HealthReports;
            Health = reports.IsDefaultOrEmpty
                ? "no health check"
                : string.Join("; ", reports.Select(r => $"{r.Name}: {r.Status?.ToString() ?? "pending"}{(r.Description is { Length: > 0 } d ? " (" + d + ")" : string.Empty)}"));
            Ready |= reports.IsDefaultOrEmpty || snapshot.HealthStatus == HealthStatus.Healthy;
        }

        if (Kind != WatchedKind.LongRunning && IsTerminal && ExitCode == 0)
        {
            Completed = true;
        }

        return previous != (State, ExitCode);
    }
}
