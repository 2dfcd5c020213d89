using System.Text.Json;
using Ductus.Core.Ingest;
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
        builder.Services.AddSingleton(sp => new IngestBuffer(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IngestNotifier>();
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
    public const string BufferedChannel = "ductus:ingest:buffered";

    public void Buffered(Guid workspaceId, string dataset, string pipeline)
    {
        var message = JsonSerializer.Serialize(new { workspaceId, dataset, pipeline }, JsonSerializerOptions.Web);
        try
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(BufferedChannel), message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(logger, ex, dataset);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce new records of {Dataset}; its pipeline's schedule will drain them")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string dataset);
}
