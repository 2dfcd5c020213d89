using System.Text;
using Ductus.Api.Ingest;
using Ductus.Core.Catalog;
using Ductus.Core.Ingest;
using Ductus.Pipelines.Ingest;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Catalog;
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
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var workspace = await db.Store.Workspaces.EnsureAsync("default");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);

        var (batch, created) = await writer.WriteAsync(workspace, "events", "ndjson", null,
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
    public async Task A_batch_larger_than_the_copy_buffer_and_a_record_larger_than_it_arrive_byte_exact_in_their_slot()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var workspace = await db.Store.Workspaces.EnsureAsync("default");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);

        // 3,000 records of about 40 bytes cross the 64 KiB copy buffer twice; the 200 KB one
        // is larger than the buffer on its own.
        var records = Enumerable.Range(0, 3000).Select(i => $"{{\"n\": {i}, \"pad\": \"{new string('x', i % 17)}\"}}").ToList();
        records.Insert(1500, $"{{\"big\": \"{new string('b', 200_000)}\"}}");
        var (batch, _) = await writer.WriteAsync(workspace, "events", "ndjson", null, Records([.. records]), () => 1, slot: 5);

        var drain = await buffer.DrainAsync(workspace, "events", _file, maxBatches: 10);
        Assert.Equal(records.Count, drain.Records);
        var prefix = $"{{\"{IngestSource.BatchColumn}\":\"{batch.Id}\",";
        Assert.Equal(records.Select(r => prefix + r[1..]), await File.ReadAllLinesAsync(_file, Encoding.UTF8));
        await using var slot = db.Admin.CreateCommand("SELECT count(*) FROM ingest_records_5");
        Assert.Equal((long)records.Count, await slot.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_body_that_turns_out_malformed_after_the_copy_has_sent_rows_leaves_nothing()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var workspace = await db.Store.Workspaces.EnsureAsync("default");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);

        var refused = await Assert.ThrowsAsync<IngestFormatException>(() => writer.WriteAsync(
            workspace, "events", "ndjson", null, FailingAfter(5000, "line 5001"), () => 1, slot: 2));
        Assert.Equal("line 5001", refused.Where);

        Assert.False(await buffer.HasBufferedAsync(workspace, "events"));
        await using var rows = db.Admin.CreateCommand("SELECT count(*) FROM ingest_records");
        Assert.Equal(0L, await rows.ExecuteScalarAsync());

        // The connection went back to the pool in a usable state.
        var (batch, created) = await writer.WriteAsync(workspace, "events", "ndjson", null, Records("{\"ok\": true}"), () => 1, slot: 2);
        Assert.True(created);
        Assert.Equal(1, batch.Records);
    }

    [Fact]
    public async Task A_drain_takes_whole_batches_up_to_its_record_bound_and_never_another_workspaces()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var catalog = db.Store;
        var a = await catalog.Workspaces.EnsureAsync("tenant-a");
        var b = await catalog.Workspaces.EnsureAsync("tenant-b");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);
        var batches = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            batches.Add((await writer.WriteAsync(a, "events", "ndjson", null, Records("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"), () => 24)).Batch.Id);
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

    [Fact]
    public async Task Consumed_slots_are_truncated_and_a_batch_still_waiting_when_its_slot_comes_round_moves_to_overflow()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var catalog = db.Store;
        var workspace = await catalog.Workspaces.EnsureAsync("default");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);
        var done = (await writer.WriteAsync(workspace, "events", "ndjson", null, Records("{\"n\":1}", "{\"n\":2}"), () => 0, slot: 2)).Batch;
        var waiting = (await writer.WriteAsync(workspace, "events", "ndjson", null, Records("{\"n\":3}", "{\"n\":4}", "{\"n\":5}"), () => 0, slot: 3)).Batch;
        Assert.Equal("2 3", await SlotCountsAsync(db.Admin, 2, 3));

        var run = await catalog.Runs.CreateAsync(workspace, "events-in", "events", RunTrigger.Api, null);
        await ConsumeAsync(app, buffer, await buffer.DrainAsync(workspace, "events", _file, maxBatches: 10, maxRecords: 2), run.Id);

        // Slot 2 is all consumed: emptied. Slot 3 still waits and is not due (the current slot is 5).
        Assert.Equal(1, await buffer.RecycleAsync(current: 5));
        Assert.Equal("0 3 0", await SlotCountsAsync(db.Admin, 2, 3, IngestSlots.Overflow));
        Assert.Equal(0, await buffer.RecycleAsync(current: 5));

        // With slot 2 current, slot 3 is written next: its waiting batch moves to overflow first.
        Assert.Equal(1, await buffer.RecycleAsync(current: 2));
        Assert.Equal("0 3", await SlotCountsAsync(db.Admin, 3, IngestSlots.Overflow));
        Assert.Equal(IngestSlots.Overflow, await ScalarAsync<short>(db.Admin, $"SELECT slot FROM ingest_batches WHERE id = '{waiting.Id}'"));

        // It drains from overflow as sent, and its records are deleted when consumed.
        var drain = await buffer.DrainAsync(workspace, "events", _file, maxBatches: 10);
        Assert.Equal([waiting.Id], drain.BatchIds);
        var prefix = $"{{\"{IngestSource.BatchColumn}\":\"{waiting.Id}\"";
        Assert.Equal([$"{prefix},\"n\":3}}", $"{prefix},\"n\":4}}", $"{prefix},\"n\":5}}"], await File.ReadAllLinesAsync(_file));
        await ConsumeAsync(app, buffer, drain, (await catalog.Runs.CreateAsync(workspace, "events-in", "events", RunTrigger.Api, null)).Id);
        Assert.Equal("0", await SlotCountsAsync(db.Admin, IngestSlots.Overflow));
        Assert.NotEqual(done.Id, waiting.Id);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => buffer.RecycleAsync(current: IngestSlots.Overflow));
        Assert.Contains("not a ring slot", refused.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            writer.WriteAsync(workspace, "events", "ndjson", null, Records("{}"), () => 0, slot: IngestSlots.Overflow));
    }

    [Fact]
    public async Task A_slot_some_transaction_still_writes_is_left_alone_and_taken_by_a_later_call()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var workspace = await db.Store.Workspaces.EnsureAsync("default");
        var buffer = new IngestDrainer(app, TimeProvider.System);
        await db.Admin.CreateCommand("INSERT INTO ingest_records (workspace_id, batch_id, record, slot) VALUES (gen_random_uuid(), gen_random_uuid(), '{}', 4)").ExecuteNonQueryAsync();

        // A writer's open transaction in slot 4 (as a push mid-COPY holds it): recycling skips the
        // slot instead of waiting for it, then empties it once the writer is gone.
        await using (var writer = await db.Admin.OpenConnectionAsync())
        await using (var tx = await writer.BeginTransactionAsync())
        {
            await using (var insert = new NpgsqlCommand("INSERT INTO ingest_records (workspace_id, batch_id, record, slot) VALUES (gen_random_uuid(), gen_random_uuid(), '{}', 4)", writer, tx))
            {
                await insert.ExecuteNonQueryAsync();
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, await buffer.RecycleAsync(current: 0));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"recycling waited {clock.Elapsed} for the writer");
            await tx.CommitAsync();
        }

        // Rows without a waiting batch (here: none at all) hold nothing back.
        Assert.Equal(1, await buffer.RecycleAsync(current: 0));
        Assert.Equal("0", await SlotCountsAsync(db.Admin, 4));
    }

    [Fact]
    public async Task A_drain_that_finds_fewer_records_than_its_batches_were_acknowledged_with_refuses()
    {
        await using var db = await CatalogDatabase.CreateAsync(stack);
        var app = db.App;
        var workspace = await db.Store.Workspaces.EnsureAsync("default");
        var writer = new IngestWriter(app, TimeProvider.System);
        var buffer = new IngestDrainer(app, TimeProvider.System);
        var batch = (await writer.WriteAsync(workspace, "events", "ndjson", null, Records("{\"n\":1}", "{\"n\":2}"), () => 0, slot: 6)).Batch;
        await db.Admin.CreateCommand("TRUNCATE ingest_records_6").ExecuteNonQueryAsync();

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => buffer.DrainAsync(workspace, "events", _file, maxBatches: 10));
        Assert.Contains("holds 0 records for 1 batches of 'events' that were acknowledged with 2", refused.Message, StringComparison.Ordinal);
        Assert.True((await writer.DoorAsync(workspace, "events")).BufferedRecords == 2, $"batch {batch.Id} must still wait");
    }

    private static async Task ConsumeAsync(NpgsqlDataSource app, IngestDrainer buffer, IngestDrain drain, Guid run)
    {
        var (connection, tx) = await WorkspaceScope.BeginAsync(app, drain.WorkspaceId, CancellationToken.None);
        await using var _ = connection;
        await using var __ = tx;
        await buffer.ConsumeAsync(drain, run, connection, tx, CancellationToken.None);
        await tx.CommitAsync();
    }

    /// <summary>Records held in each slot, space-separated, read as the owner (the app role cannot read the table).</summary>
    private static async Task<string> SlotCountsAsync(NpgsqlDataSource owner, params short[] slots)
    {
        var counts = new List<long>();
        foreach (var slot in slots)
        {
            counts.Add(await ScalarAsync<long>(owner, $"SELECT count(*) FROM ingest_records WHERE slot = {slot}"));
        }

        return string.Join(' ', counts);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> FailingAfter(int good, string where)
    {
        for (var i = 0; i < good; i++)
        {
            yield return Encoding.UTF8.GetBytes($"{{\"n\": {i}, \"text\": \"some forty bytes of padding\"}}");
        }

        await Task.Yield();
        throw new IngestFormatException(where, "is not valid JSON");
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
