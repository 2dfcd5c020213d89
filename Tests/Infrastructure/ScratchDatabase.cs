using Ductus.Core.Migrations;
using Ductus.Core.Quoting;
using Npgsql;

namespace Ductus.Tests.Infrastructure;

/// <summary>
/// A database of its own on the stack's PostgreSQL server, dropped afterwards, for tests that
/// change the schema or need an empty one.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private ScratchDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<ScratchDatabase> CreateAsync(string stackConnectionString)
    {
        var name = "scratch_" + Guid.NewGuid().ToString("N")[..16];
        var scratch = new ScratchDatabase(stackConnectionString, name);
        await DatabaseBootstrap.EnsureDatabaseExistsAsync(scratch.ConnectionString);
        return scratch;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        var maintenance = new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Sql.Ident(Name)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
