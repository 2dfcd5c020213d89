using Ductus.Core;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary>
/// An Api process configured for an external issuer (the <see cref="FakeOidcIssuer"/>) as a
/// deployment would configure it, on the stack's PostgreSQL (a migrated database of its own)
/// and Redis (a database of its own, so no rate-limit count is shared with the stack's Api).
/// Started by the first test that needs it; the stack fixture is a collection fixture, which a
/// class fixture cannot take in its constructor.
/// </summary>
public sealed class OidcApi : IAsyncLifetime
{
    private const int RedisDatabase = 2;

    private ScratchDatabase? _database;
    private ServiceProcess? _api;

    public FakeOidcIssuer Issuer { get; } = new();

    public string Home { get; } = Path.Combine("/var/tmp/ductus-tests", "oidc-" + Guid.NewGuid().ToString("N")[..10]);

    public ServiceProcess Api => _api ?? throw new InvalidOperationException("Not started yet.");

    public ScratchDatabase Database => _database ?? throw new InvalidOperationException("Not started yet.");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task EnsureStartedAsync(StackFixture stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (_api is not null)
        {
            return;
        }

        _database = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(_database.DataSource).UpAsync();
        Directory.CreateDirectory(Path.Combine(Home, "sources"));
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{Resources.Database}"] = _database.ConnectionString,
            [$"ConnectionStrings__{Resources.Redis}"] = $"{stack.RedisConnectionString},defaultDatabase={RedisDatabase}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["HOME"] = Home,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Ductus__ServiceToken__SigningKey"] = stack.ServiceTokenKey,
            ["Ductus__Sources__Roots__0"] = Path.Combine(Home, "sources"),
            ["Ductus__Auth__Authority"] = Issuer.Issuer,
            // The fake issuer listens on loopback over plain HTTP; the Api allows that nowhere else.
            ["Ductus__Auth__RequireHttpsMetadata"] = "false",
            ["Ductus__Auth__Oidc__ClientId"] = FakeOidcIssuer.ClientId,
            ["Ductus__Auth__Oidc__ClientSecret"] = Issuer.ClientSecret,
            ["Ductus__Auth__Oidc__DisplayName"] = "Test Issuer",
        };
        _api = await ServiceProcess.StartAsync("api-oidc", Repository.BuildOutput("Api"), environment);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await Issuer.DisposeAsync();
        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }
}
