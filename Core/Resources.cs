namespace Ductus.Core;

/// <summary>
/// Resource and connection names shared by the AppHost, the services and the tests, so a
/// rename cannot silently break the wiring between them.
/// </summary>
public static class Resources
{
    public const string Postgres = "postgres";
    public const string Database = "ductus";
    public const string Redis = "redis";
    public const string Migrator = "migrator";
    public const string Api = "api";
    public const string Pipelines = "pipelines";
    public const string Analytics = "analytics";
    public const string AdminKey = "admin-key";
    public const string JwtSigningKey = "jwt-signing-key";
    public const string ServiceTokenKey = "service-token-key";
    public const string PostgresPassword = "postgres-password";
    public const string MetricsScrapeToken = "metrics-scrape-token";
}
