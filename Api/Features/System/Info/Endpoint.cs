using System.Diagnostics;
using Ductus.Api.Auth;
using Ductus.Api.Clients;
using FastEndpoints;
using Npgsql;
using StackExchange.Redis;

namespace Ductus.Api.Features.System.Info;

/// <summary>
/// One request through every part of the stack: PostgreSQL, Redis and the analytics worker's
/// DuckDB. Operators use it to see what a deployment runs; the whole-stack test uses it to
/// prove the wiring.
/// </summary>
public sealed class Endpoint(NpgsqlDataSource db, IConnectionMultiplexer redis, AnalyticsClient analytics)
    : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/api/system/info");
        Policies(PolicyNames.Admin);
        Description(d => d.WithTags("System").Produces(StatusCodes.Status401Unauthorized).Produces(StatusCodes.Status403Forbidden));
        Summary(s =>
        {
            s.Summary = "Versions and round-trip times of every component";
            s.Description = "Reads PostgreSQL and Redis and asks the analytics worker for its DuckDB version.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var engine = analytics.EngineVersionAsync(User.WorkspaceId(), User.FindFirst(DuctusClaims.WorkspaceName)?.Value ?? "default", ct);

        var clock = Stopwatch.StartNew();
        await using var command = db.CreateCommand("""
            SELECT current_setting('server_version'),
                   (SELECT coalesce(max(version), 0) FROM ductus_schema_history),
                   current_user
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var postgres = new PostgresInfo(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), clock.Elapsed.TotalMilliseconds);

        var redisDb = redis.GetDatabase();
        var ping = await redisDb.PingAsync();
        var requests = await redisDb.StringIncrementAsync("ductus:system:info:requests");

        var duck = await engine;
        await Send.OkAsync(new Response(
            postgres,
            new RedisInfo(ping.TotalMilliseconds, requests),
            new AnalyticsInfo(duck.Engine, duck.Version, duck.TraceId),
            global::System.Diagnostics.Activity.Current?.TraceId.ToString()), ct);
    }
}
