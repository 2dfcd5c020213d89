using System.Collections.Concurrent;
using System.Text.Json;
using Ductus.Core.Contracts;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ductus.Api.Ingest;

public static class IngestSetup
{
    /// <summary>The ingest buffer, its limits and the notice that wakes the Pipelines service.</summary>
    public static IHostApplicationBuilder AddDuctusIngest(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<IngestOptions>().Bind(builder.Configuration.GetSection(IngestOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        builder.Services.AddSingleton(sp => new IngestWriter(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IngestNotifier>();
        builder.Services.AddSingleton<SharedDoorChecks>();
        return builder;
    }
}

/// <summary>
/// Tells the Pipelines service that a dataset's buffer has new records (<c>ductus:ingest:buffered</c>),
/// so its ingest pipeline drains within a second. Fire and forget: the records are already
/// committed, and without the notice the pipeline's schedule drains them.
/// </summary>
public sealed partial class IngestNotifier(IConnectionMultiplexer redis, ILogger<IngestNotifier> logger)
{
    public void Buffered(Guid workspaceId, string dataset, string pipeline)
    {
        var message = JsonSerializer.Serialize(new { workspaceId, dataset, pipeline }, JsonSerializerOptions.Web);
        try
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(RedisChannels.IngestBuffered), message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(logger, ex, dataset);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce new records of {Dataset}; its pipeline's schedule will drain them")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string dataset);
}

/// <summary>
/// The door checks of pushes, shared: every push asks once before it writes, and while a dataset
/// lags every paced push asks again every 100 ms; with 16 producers that was hundreds of identical
/// queries a second, each summing the dataset's waiting batches (perf: 6% of the Api's CPU and
/// more of PostgreSQL's). Pushes asking within <see cref="Window"/> of each other get the same
/// answer, except that "no ingest pipeline" is always asked afresh, so a pipeline created a
/// moment ago is found by the next push, and a push is refused for a full buffer only on a fresh
/// answer, so one sent just after the drains caught up is not turned away.
/// </summary>
public sealed class SharedDoorChecks(IngestWriter buffer, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<(Guid, string), (long At, Task<IngestWriter.Door> Door)> _recent = new();

    /// <param name="fresh">Ask the database even when a shared answer is recent (before refusing a push on it).</param>
    public Task<IngestWriter.Door> CheckAsync(Guid workspaceId, string dataset, CancellationToken ct, bool fresh = false)
    {
        var key = (workspaceId, dataset);
        var now = time.GetTimestamp();
        if (!fresh && _recent.TryGetValue(key, out var recent) && time.GetElapsedTime(recent.At) < Window && !recent.Door.IsFaulted
            && !(recent.Door.IsCompletedSuccessfully && recent.Door.Result.Pipeline is null))
        {
            return recent.Door;
        }

        // Not the caller's token: other pushes may await this check after the caller is gone.
        var check = buffer.DoorAsync(workspaceId, dataset, CancellationToken.None);
        _recent[key] = (now, check);
        return check.WaitAsync(ct);
    }

    /// <summary>
    /// Counts a push this process just committed into the shared answer, so that the next push
    /// within the window sees the buffer with it (the back-pressure limit holds for sequential pushes).
    /// </summary>
    public void Wrote(Guid workspaceId, string dataset, long records, DateTimeOffset at)
    {
        var key = (workspaceId, dataset);
        if (_recent.TryGetValue(key, out var recent) && recent.Door.IsCompletedSuccessfully)
        {
            var door = recent.Door.Result;
            _recent.TryUpdate(key, (recent.At, Task.FromResult(door with { BufferedRecords = door.BufferedRecords + records, OldestWaiting = door.OldestWaiting ?? at })), recent);
        }
    }
}
