using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// A migrated scratch database plus a login role that is a member of <c>ductus_app</c> and
/// neither superuser nor BYPASSRLS, so the stores under test run exactly as a service would:
/// subject to the row-level security policies.
/// </summary>
internal sealed class CatalogDatabase : IAsyncDisposable
{
    private readonly ScratchDatabase _scratch;
    private readonly string _role;

    private CatalogDatabase(ScratchDatabase scratch, string role, NpgsqlDataSource app)
    {
        _scratch = scratch;
        _role = role;
        App = app;
        Store = new CatalogStore(app, TimeProvider.System);
        Rejects = new RejectStore(app);
    }

    /// <summary>Connections as the test's non-superuser role.</summary>
    public NpgsqlDataSource App { get; }

    /// <summary>Connections as the server's superuser (bypasses RLS).</summary>
    public NpgsqlDataSource Admin => _scratch.DataSource;

    public string AdminConnectionString => _scratch.ConnectionString;

    public CatalogStore Store { get; }

    public RejectStore Rejects { get; }

    public static async Task<CatalogDatabase> CreateAsync(StackFixture stack)
    {
        var scratch = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(scratch.DataSource).UpAsync();

        var role = "ductus_test_" + Guid.NewGuid().ToString("N")[..12];
        var password = Guid.NewGuid().ToString("N");
        await using (var create = scratch.DataSource.CreateCommand(
            $"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{password}' IN ROLE ductus_app"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var app = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(scratch.ConnectionString)
        {
            Username = role,
            Password = password,
        }.ConnectionString);
        return new CatalogDatabase(scratch, role, app);
    }

    public async Task<RunRecord> StartRunAsync(Guid workspace, string dataset, string? pipeline = null)
    {
        var run = await Store.Runs.CreateAsync(workspace, pipeline ?? "load_" + dataset, dataset, RunTrigger.Manual);
        return await Store.Runs.MarkRunningAsync(workspace, run.Id, "test-node");
    }

    public static LakeFile File(string path, long rows) =>
        new(path, rows, rows * 100, new Dictionary<string, ColumnStats> { ["id"] = new("1", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), 0) });

    public static CommitRequest Request(Guid runId, string dataset, WriteMode mode, params LakeFile[] files) =>
        new(runId, dataset, "test data", [new DatasetColumn("id", "BIGINT", "the key", true)], mode, files,
            new RunStats(files.Sum(f => f.Rows), files.Sum(f => f.Rows), 0, files.Sum(f => f.Bytes),
                new Dictionary<string, TimeSpan> { ["load"] = TimeSpan.FromMilliseconds(12.5) }));

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var drop = _scratch.DataSource.CreateCommand($"DROP ROLE IF EXISTS {_role}"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _scratch.DisposeAsync();
    }
}
