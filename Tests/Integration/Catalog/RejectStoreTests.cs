using System.Text;
using System.Text.Json;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;
using static Ductus.Tests.Integration.Catalog.RowLevelSecurityTests;

namespace Ductus.Tests.Integration.Catalog;

[Collection(StackDefinition.Name)]
public sealed class RejectStoreTests(StackFixture stack)
{
    private static readonly RejectedRow[] Sample =
    [
        new(2, ["delay.max", "different_airports"], "delay: 9999 is above 2880; different_airports: origin <> destination failed",
            """{"delay": 9999, "origin": "SFO", "destination": "SFO"}""", null),
        new(3, ["parse"], "line 3: expected 5 columns, found 2", null, "2001-01-01,\"broken"),
        new(null, ["origin.pattern"], "origin: 'sf' does not match ^[A-Z]{3}$", """{"origin": "sf, \"quoted\""}""", null),
    ];

    [Fact]
    public async Task Rejected_rows_round_trip_through_copy_with_their_rules_message_values_and_line()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");

        Assert.Equal(3, await db.Rejects.AppendAsync(ws, run.Id, "load_flights", "flights", Rows(Sample)));
        Assert.Equal(3, await db.Rejects.CountAsync(ws, run.Id));

        var all = new List<StoredReject>();
        await foreach (var reject in db.Rejects.ReadAllAsync(ws, run.Id))
        {
            all.Add(reject);
        }

        Assert.Equal(3, all.Count);
        for (var i = 0; i < Sample.Length; i++)
        {
            Assert.Equal(Sample[i].Line, all[i].Line);
            Assert.Equal(Sample[i].Rules, all[i].Rules);
            Assert.Equal(Sample[i].Message, all[i].Message);
            Assert.Equal(Sample[i].RawText, all[i].RawText);
            Assert.Equal(run.Id, all[i].RunId);
            Assert.Equal("load_flights", all[i].Pipeline);
            Assert.Equal("flights", all[i].Dataset);
            if (Sample[i].ValuesJson is null)
            {
                Assert.Null(all[i].ValuesJson);
            }
            else
            {
                Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(Sample[i].ValuesJson!).RootElement, JsonDocument.Parse(all[i].ValuesJson!).RootElement));
            }
        }

        var first = await db.Rejects.ListAsync(ws, run.Id, null, 2);
        Assert.Equal(all.Take(2).Select(r => r.Id), first.Items.Select(r => r.Id));
        Assert.NotNull(first.NextAfterId);
        var second = await db.Rejects.ListAsync(ws, run.Id, first.NextAfterId, 2);
        Assert.Equal([all[2].Id], second.Items.Select(r => r.Id));
        Assert.Null(second.NextAfterId);
    }

    [Fact]
    public async Task Rejects_export_as_csv_and_ndjson()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");
        await db.Rejects.AppendAsync(ws, run.Id, "load_flights", "flights", Rows(Sample));

        using var csv = new MemoryStream();
        await db.Rejects.ExportCsvAsync(ws, run.Id, csv);
        var text = Encoding.UTF8.GetString(csv.ToArray());
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,line,rules,message,values,raw_text,created_at", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(",2,delay.max|different_airports,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",3,parse,", lines[2], StringComparison.Ordinal);
        Assert.Contains("\"2001-01-01,\"\"broken\"", lines[2], StringComparison.Ordinal);
        Assert.Contains(",,origin.pattern,", lines[3], StringComparison.Ordinal);

        using var ndjson = new MemoryStream();
        await db.Rejects.ExportNdjsonAsync(ws, run.Id, ndjson);
        var objects = Encoding.UTF8.GetString(ndjson.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, objects.Count);
        Assert.Equal(2, objects[0].GetProperty("line").GetInt64());
        Assert.Equal(["delay.max", "different_airports"], objects[0].GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(9999, objects[0].GetProperty("values").GetProperty("delay").GetInt32());
        Assert.Equal(JsonValueKind.Null, objects[1].GetProperty("values").ValueKind);
        Assert.Equal("2001-01-01,\"broken", objects[1].GetProperty("rawText").GetString());
        Assert.Equal(JsonValueKind.Null, objects[2].GetProperty("line").ValueKind);
        Assert.Equal("sf, \"quoted\"", objects[2].GetProperty("values").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task Retention_deletes_only_rejects_older_than_the_cutoff()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(-40));
        var rejects = new RejectStore(db.App, clock);
        await rejects.AppendAsync(ws, run.Id, "load_flights", "flights", Rows(Sample[0]));
        clock.Now = DateTimeOffset.UtcNow;
        await rejects.AppendAsync(ws, run.Id, "load_flights", "flights", Rows(Sample[1], Sample[2]));

        Assert.Equal(1, await rejects.DeleteOlderThanAsync(ws, DateTimeOffset.UtcNow.AddDays(-30)));
        Assert.Equal(2, await rejects.CountAsync(ws, run.Id));
    }

    [Fact]
    public async Task A_large_batch_goes_through_in_one_copy()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var run = await db.StartRunAsync(ws, "flights");

        Assert.Equal(50_000, await db.Rejects.AppendAsync(ws, run.Id, "load_flights", "flights", Many(50_000)));
        Assert.Equal(50_000, await db.Rejects.CountAsync(ws, run.Id));
        var last = await db.Rejects.ListAsync(ws, run.Id, null, 50_000);
        Assert.Equal(Enumerable.Range(1, 50_000).Select(i => (long?)i), last.Items.Select(r => r.Line));

        static async IAsyncEnumerable<RejectedRow> Many(int count)
        {
            for (var i = 1; i <= count; i++)
            {
                yield return new RejectedRow(i, ["delay.max"], "delay too big", $$"""{"delay": {{i}}}""", null);
            }

            await Task.CompletedTask;
        }
    }
}

internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
