using Aspire.Hosting.ApplicationModel;
using Ductus.Core;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// Stops the stack's Redis (the AppHost's own <c>resource-stop</c> command, as the dashboard's
/// Stop button does) until disposed, then starts it again and waits until the Api is connected
/// and reports Healthy, so later tests in the shared collection see a working Redis.
/// <code>await using var outage = await RedisOutage.StartAsync(stack);</code>
/// </summary>
public sealed class RedisOutage : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly StackFixture _stack;

    private RedisOutage(StackFixture stack) => _stack = stack;

    /// <summary>Returns once Redis is stopped and the Api's <c>/health</c> says Degraded.</summary>
    public static async Task<RedisOutage> StartAsync(StackFixture stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        using var cts = new CancellationTokenSource(Patience);
        var result = await stack.App.ResourceCommands.ExecuteCommandAsync(Resources.Redis, KnownResourceCommands.StopCommand, cts.Token);
        Assert.True(result.Success, $"stopping redis failed: {result.Message}");
        var outage = new RedisOutage(stack);
        await outage.WaitForApiHealthAsync("Degraded", cts.Token);
        return outage;
    }

    /// <summary>The Api's <c>/health</c> body (Healthy, Degraded or Unhealthy).</summary>
    public async Task<string> ApiHealthAsync(CancellationToken ct = default)
    {
        using var client = _stack.CreateApiClient();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(Patience);
        var result = await _stack.App.ResourceCommands.ExecuteCommandAsync(Resources.Redis, KnownResourceCommands.StartCommand, cts.Token);
        Assert.True(result.Success, $"starting redis again failed: {result.Message}");
        // Not WaitForResourceHealthyAsync: right after the start command it can still see the
        // stopped process's final state and report "failed to start" (seen in CI). The Api's
        // health, which includes its Redis connection, is what later tests need anyway.
        await WaitForApiHealthAsync("Healthy", cts.Token);
    }

    private async Task WaitForApiHealthAsync(string expected, CancellationToken ct)
    {
        var last = string.Empty;
        try
        {
            while ((last = await ApiHealthAsync(ct)) != expected)
            {
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the Api's /health never said {expected} (last: '{last}')");
        }
    }
}
