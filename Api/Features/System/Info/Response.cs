namespace Ductus.Api.Features.System.Info;

public sealed record Response(PostgresInfo Postgres, RedisInfo Redis, AnalyticsInfo Analytics);

public sealed record PostgresInfo(string Version, int SchemaVersion, double RoundTripMs);

/// <param name="Requests">How many times this endpoint has been served, counted in Redis.</param>
public sealed record RedisInfo(double RoundTripMs, long Requests);

public sealed record AnalyticsInfo(string Engine, string Version);
