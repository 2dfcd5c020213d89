namespace Ductus.Api.Features.System.Info;

public sealed record Response(PostgresInfo Postgres, RedisInfo Redis, AnalyticsInfo Analytics, string? TraceId);

/// <param name="Role">The database role the Api acts as; <c>ductus_app</c>, which row-level security binds.</param>
public sealed record PostgresInfo(string Version, int SchemaVersion, string Role, double RoundTripMs);

/// <param name="Requests">How many times this endpoint has been served, counted in Redis.</param>
public sealed record RedisInfo(double RoundTripMs, long Requests);

/// <param name="TraceId">The trace the worker saw: equal to <see cref="Response.TraceId"/> when the call is one trace.</param>
public sealed record AnalyticsInfo(string Engine, string Version, string? TraceId);
