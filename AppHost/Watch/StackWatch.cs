using Aspire.Hosting.ApplicationModel;
using Ductus.AppHost.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ductus.AppHost.Watch;

/// <summary>
/// Watches every process the AppHost starts. While the stack starts, a resource that fails to
/// start, exits, does not start running within <see cref="StackWatchOptions.StartTimeout"/> or runs
/// without turning healthy for <see cref="StackWatchOptions.HealthTimeout"/> stops the whole
/// AppHost with exit code 1 and a report naming it, its last log lines and what
/// to do — instead of the services waiting for it forever. Once the stack is up, a resource that
/// exits without being asked to (a crash, a SIGKILL) is reported with its last lines and crash
/// dump, and started again. Stopping returns only once every process it started is gone and
/// their ports are free (<see cref="StackShutdown"/>), so a new start right after never meets
/// the old cluster still shutting down.
/// </summary>
internal sealed class StackWatch(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    IOptions<StackWatchOptions> options,
    StackWatchFolders folders,
    ILogger<StackWatch> logger) : IHostedLifecycleService
{
    private const string DashboardResource = "aspire-dashboard";

    private readonly Dictionary<string, WatchedResource> _watched = new(StringComparer.Ordinal);
    private readonly List<string> _crashReports = [];
    private ResourceTails? _tails;
    private bool _stackReady;
    private Task? _watching;
    private Task? _stopped;

    /// <summary>1 once the stack failed to start or a service crashed too often; the AppHost's exit code.</summary>
    public int ExitCode { get; private set; }

    /// <summary>One line naming the resource and what it did, for the AppHost's last words.</summary>
    public string? Summary { get; private set; }

    /// <summary>The start-up failure that stopped the stack, if any.</summary>
    public string? Failure { get; private set; }

    /// <summary>Every crash reported after start, in order (for the operator's log and for tests).</summary>
    public IReadOnlyList<string> CrashReports
    {
        get
        {
            lock (_crashReports)
            {
                return [.. _crashReports];
            }
        }
    }

    /// <summary>
    /// Starts watching. Called before the orchestrator creates any resource (Aspire's
    /// <c>BeforeStartEvent</c>): the host's own start does not return until every resource has
    /// started, so a hosted service would begin watching only after the failure it is for.
    /// </summary>
    public void Start() => _watching ??= Task.Run(() => WatchAsync(lifetime.ApplicationStopping));

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        _tails = new ResourceTails(logs, settings.TailLines);
        var waitedFor = model.Resources
            .SelectMany(r => r.Annotations.OfType<WaitAnnotation>())
            .Where(w => w.WaitType == WaitType.WaitForCompletion)
            .Select(w => w.Resource.Name)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var resource in model.Resources.Where(r => r is ProjectResource or ExecutableResource or ContainerResource))
        {
            // Aspire's own dashboard is watched only to wait for it at stop: the stack runs without it.
            var kind = resource.Annotations.OfType<OptionalStepAnnotation>().Any() || resource.Name == DashboardResource ? WatchedKind.Optional
                : waitedFor.Contains(resource.Name) ? WatchedKind.RunOnce
                : WatchedKind.LongRunning;
            _watched[resource.Name] = new WatchedResource(resource, kind);
        }

        var followers = _watched.Values.Select(w => _tails.FollowAsync(w.Resource, stoppingToken)).ToList();
        var deadlines = CheckDeadlinesAsync(settings, stoppingToken);
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken))
            {
                if (!_watched.TryGetValue(e.Resource.Name, out var watched) || lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    continue;
                }

                bool changed;
                lock (_watched)
                {
                    changed = watched.Update(e.Snapshot, DateTimeOffset.UtcNow);
                }

                if (changed)
                {
                    logger.LogDebug("{Resource}: {State} (exit code {ExitCode}, process {Pid})", watched.Name, watched.State, watched.ExitCode, watched.Pid);
                    await JudgeAsync(watched, settings, stoppingToken);
                }

                MarkReadyWhenAllAre();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll([.. followers, deadlines]);
    }

    private async Task JudgeAsync(WatchedResource watched, StackWatchOptions settings, CancellationToken ct)
    {
        if (watched.State == KnownResourceStates.FailedToStart)
        {
            await FailAsync(watched, "failed to start", ct);
            return;
        }

        if (watched.State == KnownResourceStates.Stopping && watched.Resource is LocalPostgresResource && watched.Pid > 0)
        {
            // DCP stops with SIGTERM, PostgreSQL's "smart" shutdown, which waits for every client
            // to hang up: the services' pooled connections never do. SIGINT is its fast shutdown.
            OsProcess.Signal(watched.Pid.Value, "INT");
            return;
        }

        if (watched.State == KnownResourceStates.RuntimeUnhealthy)
        {
            await FailAsync(watched, "cannot run: the container runtime does not answer", ct);
            return;
        }

        if (!watched.IsTerminal || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return;
        }

        if (watched.Kind == WatchedKind.LongRunning)
        {
            if (watched.ExitJudged)
            {
                return;
            }

            watched.ExitJudged = true;
        }

        var code = watched.ExitCode is { } c ? $"code {c}" : "no exit code";
        switch (watched.Kind)
        {
            case WatchedKind.RunOnce when watched.ExitCode is null:
                // Its exit code follows in a later snapshot.
                break;
            case WatchedKind.RunOnce when !watched.Completed:
                await FailAsync(watched, $"exited with {code}", ct);
                break;
            case WatchedKind.Optional when !watched.Completed:
                logger.LogWarning("{Resource} exited with {Code}; the stack runs without it", watched.Name, code);
                break;
            case WatchedKind.LongRunning when !_stackReady:
                await FailAsync(watched, $"exited with {code} before the stack was ready", ct);
                break;
            case WatchedKind.LongRunning when watched.StopRequested || watched.ExitCode == 0:
                // The dashboard's Stop, a test's outage, a clean shutdown: started again the same way.
                logger.LogInformation("{Resource} stopped ({Code})", watched.Name, code);
                break;
            case WatchedKind.LongRunning:
                await RestartAfterCrashAsync(watched, code, settings, ct);
                break;
        }
    }

    private void MarkReadyWhenAllAre()
    {
        lock (_watched)
        {
            if (_stackReady || _watched.Values.Any(w => w.Kind switch
            {
                WatchedKind.LongRunning => !w.Ready && !w.Hidden,
                WatchedKind.RunOnce => !w.Completed,
                _ => false,
            }))
            {
                return;
            }

            _stackReady = true;
        }

        logger.LogInformation("Every resource is running and healthy");
    }

    /// <summary>
    /// While the stack starts: a resource that never starts running, or runs but never turns
    /// healthy, is reported after its timeout.
    /// </summary>
    private async Task CheckDeadlinesAsync(StackWatchOptions settings, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        try
        {
            while (!_stackReady && Failure is null)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                var now = DateTimeOffset.UtcNow;
                WatchedResource? unhealthy, unstarted;
                lock (_watched)
                {
                    unhealthy = _watched.Values.FirstOrDefault(w =>
                        w.Kind == WatchedKind.LongRunning && !w.Ready && !w.Hidden && !w.IsTerminal
                        && w.RunningSince is { } since && now - since > settings.HealthTimeout);
                    // Waiting on another resource is that resource's delay, reported under its own
                    // name: a resource's own start is timed from the end of its wait. One not asked
                    // to start (explicit start) is not late.
                    unstarted = _watched.Values.FirstOrDefault(w =>
                        w.Kind != WatchedKind.Optional && !w.Hidden && !w.IsTerminal && w.RunningSince is null
                        && w.State != KnownResourceStates.Waiting && w.State != KnownResourceStates.Running
                        && w.State != KnownResourceStates.NotStarted
                        && now - (w.LastWaitingAt ?? started) > settings.StartTimeout);
                }

                if (unhealthy is not null)
                {
                    await FailAsync(unhealthy, $"has been running for {settings.HealthTimeout.TotalSeconds:0} s without turning healthy ({unhealthy.Health})", ct);
                }
                else if (unstarted is not null)
                {
                    await FailAsync(unstarted, $"did not start running within {settings.StartTimeout.TotalSeconds:0} s (state: {unstarted.State ?? "never created by the orchestrator"})", ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task FailAsync(WatchedResource watched, string what, CancellationToken ct)
    {
        lock (_watched)
        {
            if (Failure is not null)
            {
                return;
            }

            Failure = string.Empty;
        }

        var failure = await DescribeAsync(watched, what, ct);
        var report = failure.Format("Ductus could not start: one of its resources failed, so the AppHost stops (exit code 1).", FailureAdvice.For(watched.Resource));
        Failure = report;
        ExitCode = 1;
        Summary = $"{watched.Name} {what}";
        logger.LogCritical("{Report}", report);
        lifetime.StopApplication();
    }

    private async Task RestartAfterCrashAsync(WatchedResource watched, string code, StackWatchOptions settings, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        watched.Restarts.RemoveAll(t => now - t > settings.RestartWindow);
        var failure = await DescribeAsync(watched, $"exited unexpectedly with {code}", ct);
        if (watched.Restarts.Count >= settings.MaxRestarts)
        {
            var report = failure.Format(
                $"Ductus stops: {watched.Name} crashed {watched.Restarts.Count + 1} times within {settings.RestartWindow.TotalMinutes:0} min (exit code 1).",
                FailureAdvice.For(watched.Resource));
            Failure = report;
            ExitCode = 1;
            Summary = $"{watched.Name} crashed {watched.Restarts.Count + 1} times";
            logger.LogCritical("{Report}", report);
            lifetime.StopApplication();
            return;
        }

        watched.Restarts.Add(now);
        var crash = failure.Format($"Ductus: {watched.Name} stopped unexpectedly; starting it again.", FailureAdvice.For(watched.Resource));
        lock (_crashReports)
        {
            _crashReports.Add(crash);
        }

        logger.LogError("{Report}", crash);
        // Also in the resource's own console in the dashboard, where its last lines were.
        logs.GetLogger(watched.Resource).LogError("{Report}", crash);
        var result = await commands.ExecuteCommandAsync(watched.Resource, KnownResourceCommands.StartCommand, ct);
        if (!result.Success)
        {
            logger.LogError("Starting {Resource} again failed: {Message}", watched.Name, result.Message);
        }
    }

    private async Task<ResourceFailure> DescribeAsync(WatchedResource watched, string what, CancellationToken ct)
    {
        // The exit is often reported before the process's last lines have been read from its pipes.
        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var dumps = CrashDumps.Find(folders.CrashDumps, watched.Name, watched.RunningSince);
        IReadOnlyList<string> evidence = watched.Resource is not ProjectResource || folders.CrashDumps is null ? []
            : dumps.Count > 0 ? [.. dumps.Select(d => $"Crash evidence: {d}")]
            : [$"No crash dump of this run in {folders.CrashDumps} (none is written for SIGKILL or a clean exit)."];
        return new ResourceFailure(watched.Name, what, _tails?.Last(watched.Name) ?? [], evidence);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Asks PostgreSQL for its fast shutdown as the stop begins: the services are stopping too,
    /// and whatever DCP does next (SIGTERM, or a kill when it tears everything down at once), the
    /// cluster has then checkpointed and removed its lock file.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        lock (_watched)
        {
            foreach (var postgres in _watched.Values.Where(w => w.Resource is LocalPostgresResource && w.Pid > 0 && !w.IsTerminal))
            {
                OsProcess.Signal(postgres.Pid!.Value, "INT");
            }
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every other part of the host has stopped: waits until what the stack started is gone.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken) => WaitUntilStoppedAsync();

    /// <summary>
    /// Returns once every process the stack started has exited and its ports are free (once per
    /// run; later calls wait for the same). Also called when the host's start was cancelled by a
    /// failure, where the host never runs its stop.
    /// </summary>
    public Task WaitUntilStoppedAsync()
    {
        lock (_watched)
        {
            return _stopped ??= new StackShutdown(options.Value.StopTimeout, logger)
                .WaitAsync([.. _watched.Values.Where(w => w.Pid > 0)]);
        }
    }
}

/// <summary>The folders the watch reports from; none when publishing (nothing runs here).</summary>
internal sealed record StackWatchFolders(string? CrashDumps);
