using Ductus.Pipelines.Lake;

namespace Ductus.Pipelines.Scheduling;

/// <summary>Runs this node's <see cref="BackgroundCompaction"/>: appends ask, this compacts, one dataset at a time.</summary>
public sealed class CompactionService(BackgroundCompaction queue) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => queue.RunAsync(stoppingToken);
}
