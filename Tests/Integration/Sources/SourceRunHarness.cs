using Ductus.Core.Catalog;
using Ductus.Core.Migrations;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;
using Ductus.Pipelines.Net;
using Ductus.Pipelines.Runs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ductus.Tests.Integration.Sources;

/// <summary>
/// Whole runs of one spec at a time against a private migrated database: engine (with a guarded
/// HTTP client and configuration the test sets) → runner → catalog commit.
/// </summary>
public sealed class SourceRunHarness : IAsyncDisposable
{
    private readonly EngineScratch _scratch = new();
    private readonly List<HttpClient> _clients = [];

    private SourceRunHarness(ScratchDatabase db, NpgsqlDataSource app, CatalogStore catalog, Guid ws)
    {
        Db = db;
        App = app;
        Catalog = catalog;
        Workspace = ws;
    }

    public const string WorkspaceName = "ws1";

    public ScratchDatabase Db { get; }

    public NpgsqlDataSource App { get; }

    public CatalogStore Catalog { get; }

    public Guid Workspace { get; }

    public string Root => _scratch.Root;

    public string Lake => _scratch.Lake;

    /// <summary>Configuration the engine sees (secrets, connections, and their grants under <c>Ductus:Grants</c>).</summary>
    public Dictionary<string, string> Configuration { get; } = [];

    /// <summary>The egress policy of the engine's HTTP client; loopback allowed unless a test says otherwise.</summary>
    public EgressPolicy Egress { get; set; } = new() { AllowPrivateNetworks = true };

    public static async Task<SourceRunHarness> CreateAsync(StackFixture stack)
    {
        var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(db.DataSource).UpAsync();
        var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString));
        var catalog = new CatalogStore(app, TimeProvider.System);
        return new SourceRunHarness(db, app, catalog, await catalog.Workspaces.EnsureAsync(WorkspaceName));
    }

    /// <summary>Lets this harness's workspace send the secret <paramref name="name"/> to <paramref name="host"/>.</summary>
    public void GrantSecret(string name, string host)
    {
        Configuration[$"{SourceGrants.Section}:Secrets:{name}:Workspaces:0"] = WorkspaceName;
        Configuration[$"{SourceGrants.Section}:Secrets:{name}:Hosts:0"] = host;
    }

    /// <summary>Lets this harness's workspace name the PostgreSQL connection <paramref name="name"/>.</summary>
    public void GrantConnection(string name) =>
        Configuration[$"{SourceGrants.Section}:Connections:{name}:Workspaces:0"] = WorkspaceName;

    public async Task<RunRecord> RunAsync(string yaml)
    {
        var parsed = SpecParser.ParseYaml(yaml);
        Assert.Empty(parsed.Errors);
        Assert.Empty(SpecValidator.Validate(parsed.Spec!, new SourceRoots(Root)));
        var http = new HttpClient(GuardedHttp.CreateHandler(Egress));
        _clients.Add(http);
        var grants = new SourceGrants();
        new ConfigurationBuilder().AddInMemoryCollection(Configuration!).Build().GetSection(SourceGrants.Section).Bind(grants);
        var engine = new RunEngine(SourceAccess.Shared(new SourceRoots(Root), grants), http, TimeProvider.System)
        {
            Threads = 1,
            MemoryLimit = "256MB",
            Sources = new SourceSettings(key => Configuration.GetValueOrDefault(key)),
        };
        var runner = new PipelineRunner(Catalog, new RejectStore(App), engine, Lake, NullLogger<PipelineRunner>.Instance);
        return await runner.RunAsync(new RunRequest(Workspace, WorkspaceName, parsed.Spec!, RunTrigger.Manual), CancellationToken.None);
    }

    /// <summary>Rows of a dataset's snapshot (current when <paramref name="version"/> is null), read from its Parquet files.</summary>
    public async Task<List<T>> ReadAsync<T>(string dataset, long? version, string select, Func<DuckDB.NET.Data.DuckDBDataReader, T> read)
    {
        var snapshot = await Catalog.Datasets.GetSnapshotAsync(Workspace, dataset, version);
        Assert.NotNull(snapshot);
        var files = string.Join(", ", snapshot.Files.Select(f => $"'{Path.Combine(Lake, f.RelativePath)}'"));
        return await EngineScratch.QueryAsync($"{select.Replace("{files}", $"read_parquet([{files}], union_by_name = true)", StringComparison.Ordinal)}", read);
    }

    public async Task ExecAsync(string sql)
    {
        await using var command = Db.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.DisposeAsync();
        await Db.DisposeAsync();
        _scratch.Dispose();
    }
}
