using System.Text;
using Ductus.Core.Catalog;
using Ductus.Core.Ingest;
using Ductus.Core.Migrations;
using Ductus.Tests.Infrastructure;
using Npgsql;

namespace Ductus.Tests.Integration.Ingest;

/// <summary>The buffer as the drain sees it: the lines it writes, how much one drain takes, whose records it sees.</summary>
[Collection(StackDefinition.Name)]
public sealed class IngestBufferTests(StackFixture stack) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"ductus-drain-{Guid.NewGuid():N}.ndjson");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task A_drain_writes_each_record_as_sent_with_its_batch_as_the_first_key()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(db.DataSource).UpAsync();
        await using var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString));
        var workspace = await new CatalogStore(app, TimeProvider.System).EnsureWorkspaceAsync("default");
        var buffer = new IngestBuffer(app, TimeProvider.System);

        var (batch, created) = await buffer.WriteAsync(workspace, "events", "ndjson", null,
            Records("{}", "{ }", "{ \"a\": 1, \"s\": \"x,\\\"y\\\"\\n\"}", "{\"é\":\"ü\"}"), () => 64);
        Assert.True(created);

        var drain = await buffer.DrainAsync(workspace, "events", _file, maxBatches: 10);
        Assert.Equal([batch.Id], drain.BatchIds);
        Assert.Equal(4, drain.Records);
        var prefix = $"{{\"{IngestSource.BatchColumn}\":\"{batch.Id}\"";
        Assert.Equal(
            [$"{prefix}}}", $"{prefix}}}", $"{prefix},\"a\": 1, \"s\": \"x,\\\"y\\\"\\n\"}}", $"{prefix},\"é\":\"ü\"}}"],
            await File.ReadAllLinesAsync(_file, Encoding.UTF8));
    }

    [Fact]
    public async Task A_drain_takes_whole_batches_up_to_its_record_bound_and_never_another_workspaces()
    {
        await using var db = await ScratchDatabase.CreateAsync(stack.DatabaseConnectionString);
        await new SchemaMigrator(db.DataSource).UpAsync();
        await using var app = NpgsqlDataSource.Create(CatalogRole.Adopt(db.ConnectionString));
        var catalog = new CatalogStore(app, TimeProvider.System);
        var a = await catalog.EnsureWorkspaceAsync("tenant-a");
        var b = await catalog.EnsureWorkspaceAsync("tenant-b");
        var buffer = new IngestBuffer(app, TimeProvider.System);
        var batches = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            batches.Add((await buffer.WriteAsync(a, "events", "ndjson", null, Records("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), () => 24)).Batch.Id);
        }

        // 3 + 3 fit in 7, a third batch would not.
        var bounded = await buffer.DrainAsync(a, "events", _file, maxBatches: 100, maxRecords: 7);
        Assert.Equal(batches.Take(2), bounded.BatchIds);
        Assert.Equal(6, bounded.Records);
        Assert.Equal(6, (await File.ReadAllLinesAsync(_file)).Length);

        // A batch larger than the bound still goes, alone.
        var single = await buffer.DrainAsync(a, "events", _file, maxBatches: 100, maxRecords: 2);
        Assert.Equal(batches.Take(1), single.BatchIds);

        var other = await buffer.DrainAsync(b, "events", _file, maxBatches: 100);
        Assert.Empty(other.BatchIds);
        Assert.Equal(0, other.Records);
        Assert.Empty(await File.ReadAllTextAsync(_file));

        // The records table itself is closed to the app role: only the workspace's view reads it.
        await using var direct = app.CreateCommand("SELECT count(*) FROM ingest_records");
        var denied = await Assert.ThrowsAsync<PostgresException>(() => direct.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Records(params string[] records)
    {
        foreach (var record in records)
        {
            await Task.Yield();
            yield return Encoding.UTF8.GetBytes(record);
        }
    }
}
