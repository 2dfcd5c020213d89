namespace Ductus.Core.Sources;

/// <summary>
/// The configuration a spec may reach by name: secrets under <c>Ductus:Secrets</c> and
/// PostgreSQL connections. A spec only ever names them, so its text never holds a credential.
/// </summary>
public sealed class SourceSettings(Func<string, string?> configuration)
{
    public const string PostgresSection = "Ductus:Sources:Postgres";

    /// <summary>Nothing configured: every secret and connection is missing.</summary>
    public static SourceSettings None { get; } = new(_ => null);

    /// <summary>The value of a configuration key under <c>Ductus:Secrets:</c>; null for any other key or when unset.</summary>
    public string? Secret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(Specs.SourceSpecRules.SecretsSection + ":", StringComparison.Ordinal) ? configuration(key) : null;
    }

    /// <summary>A <c>${secret:NAME}</c> in a header value: <c>Ductus:Secrets:NAME</c>.</summary>
    public string? SecretByName(string name) => Secret($"{Specs.SourceSpecRules.SecretsSection}:{name}");

    /// <summary>
    /// The connection string of a named PostgreSQL source: <c>Ductus:Sources:Postgres:NAME</c>, else
    /// <c>ConnectionStrings:NAME</c> unless NAME is one of the service's own resources (the catalog
    /// must not become readable by whoever can post a spec).
    /// </summary>
    public string PostgresConnectionString(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (configuration($"{PostgresSection}:{name}") is { Length: > 0 } configured)
        {
            return configured;
        }

        if (name is Resources.Database or Resources.Postgres or Resources.Redis)
        {
            throw new InvalidOperationException(
                $"source.connection: '{name}' is the service's own database; to read it on purpose, set {PostgresSection}:{name}.");
        }

        return configuration($"ConnectionStrings:{name}") is { Length: > 0 } named
            ? named
            : throw new InvalidOperationException($"source.connection: no connection '{name}' is configured (set {PostgresSection}:{name} or ConnectionStrings:{name}).");
    }
}
