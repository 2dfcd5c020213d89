using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Ductus.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// Stops the stack's Redis for the length of a <c>using</c> and starts it again afterwards, through
/// the same resource commands the Aspire dashboard's stop and start buttons use.
/// </summary>
public sealed class RedisOutage : IAsyncDisposable
{
    private readonly StackFixture stack;

    private RedisOutage(StackFixture stack) => this.stack = stack;

    public static async Task<RedisOutage> StartAsync(StackFixture stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        await RunAsync(stack, "resource-stop");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stack.App.ResourceNotifications.WaitForResourceAsync(
            Resources.Redis, e => e.Snapshot.State?.Text is "Exited" or "Finished" or "Stopped" || e.Snapshot.ExitCode is not null, cts.Token);
        return new RedisOutage(stack);
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(stack, "resource-start");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(Resources.Redis, cts.Token);
    }

    private static async Task RunAsync(StackFixture stack, string command)
    {
        var result = await stack.App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(Resources.Redis, command);
        Assert.True(result.Success, $"{command} on {Resources.Redis} failed: {result.Message}");
    }
}
