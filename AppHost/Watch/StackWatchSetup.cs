using Aspire.Hosting.ApplicationModel;
using Ductus.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ductus.AppHost.Watch;

public static class StackWatchSetup
{
    /// <summary>
    /// Watches what the stack runs on this machine (<see cref="StackWatch"/>); crash dumps go to
    /// <c>&lt;dataDirectory&gt;/crash-dumps</c>. Publishing runs nothing, so nothing is watched.
    /// </summary>
    /// <returns>The crash-dump folder to give each service (<see cref="CrashDumps.WithCrashDumpsIn"/>); null when publishing.</returns>
    public static string? AddStackWatch(this IDistributedApplicationBuilder builder, string? dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.ExecutionContext.IsRunMode || dataDirectory is null)
        {
            return null;
        }

        var dumps = Path.Combine(dataDirectory, CrashDumps.FolderName);
        builder.Services.AddValidatedOptions<StackWatchOptions, StackWatchOptionsValidator>(StackWatchOptions.Section);
        builder.Services.AddSingleton(new StackWatchFolders(dumps));
        builder.Services.AddSingleton<StackWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StackWatch>());
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<StackWatch>().Start();
            return Task.CompletedTask;
        });
        return dumps;
    }

    /// <summary>
    /// Runs the stack until it is stopped, and returns only once everything it started has
    /// stopped. The exit code is 1 when the watch stopped the stack over a failure: then the
    /// host's start was cancelled, which is the failure already reported, not a new one.
    /// </summary>
    public static async Task<int> RunWatchedAsync(this DistributedApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var watch = app.Services.GetService<StackWatch>();
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (watch is { ExitCode: not 0 })
        {
        }

        if (watch is null)
        {
            return 0;
        }

        await watch.WaitUntilStoppedAsync();
        if (watch.ExitCode != 0)
        {
            // After the host's own shutdown noise, the line an operator reads first.
            await Console.Error.WriteLineAsync($"Ductus stopped because {watch.Summary}; the report above names its last log lines and what to do.");
        }

        return watch.ExitCode;
    }

    /// <summary>Before the local server starts, waits (bounded) for a cluster still stopping on its data folder.</summary>
    internal static IResourceBuilder<T> WaitingForDataFolder<T>(this IResourceBuilder<T> postgres, string pgData)
        where T : IResource
    {
        postgres.ApplicationBuilder.Eventing.Subscribe<BeforeResourceStartedEvent>(postgres.Resource, async (e, ct) =>
        {
            var wait = e.Services.GetRequiredService<IOptions<StackWatchOptions>>().Value.PostgresLockWait;
            var log = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(e.Resource);
            await PostgresDataLock.WaitUntilFreeAsync(pgData, wait, log, ct);
        });
        return postgres;
    }
}
