using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Pipelines.Alerts;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Catalog;
using Microsoft.Extensions.Logging.Abstractions;
using ManualClock = Ductus.Tests.Infrastructure.ManualClock;

namespace Ductus.Tests.Integration.Alerts;

/// <summary>The freshness check on the stack's real PostgreSQL, a controlled clock and a real webhook receiver.</summary>
[Collection(StackDefinition.Name)]
public sealed class FreshnessAlertTests(StackFixture stack)
{
    private static readonly DateTimeOffset T0 = new(2031, 3, 4, 10, 5, 0, TimeSpan.Zero);

    private sealed class Setup(CatalogDatabase db, ManualClock clock, Guid ws, CatalogStore store) : IAsyncDisposable
    {
        public ManualClock Clock => clock;

        public Guid Workspace => ws;

        public CatalogStore Store => store;

        public CatalogDatabase Db => db;

        public static async Task<Setup> CreateAsync(StackFixture stack)
        {
            var db = await CatalogDatabase.CreateAsync(stack);
            var clock = new ManualClock(T0);
            // Commits take the clock's time, so loads happen when the test says.
            var store = new CatalogStore(db.App, clock);
            return new Setup(db, clock, await store.Workspaces.EnsureAsync("alpha"), store);
        }

        public async Task SavePipelineAsync(string name, string dataset, string extra)
        {
            var yaml = $"name: {name}\nsource: {{ kind: csv, path: data/{name}.csv }}\ntarget: {{ dataset: {dataset} }}\n{extra}";
            var parsed = SpecParser.ParseYaml(yaml);
            Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
            await store.Pipelines.SaveAsync(ws, name, SpecWriter.ToJson(parsed.Spec!), yaml, "yaml", parsed.Spec!.Schedule, dataset);
        }

        public async Task LoadAsync(string pipeline, string dataset)
        {
            var run = await store.Runs.CreateAsync(ws, pipeline, dataset, RunTrigger.Schedule);
            await store.Runs.MarkRunningAsync(ws, run.Id, "test-node");
            await store.Committer.CommitAsync(ws, CatalogDatabase.Request(run.Id, dataset, WriteMode.Append, CatalogDatabase.File($"alpha/{dataset}/{run.Id}.parquet", 3)));
        }

        public FreshnessJob Job(AlertReceiver receiver, HttpClient http)
        {
            var options = receiver.Options();
            return new FreshnessJob(store, new FreshnessBreaches(db.App), AlertReceiver.Sender(http, options, db.App, clock),
                Microsoft.Extensions.Options.Options.Create(options), clock, NullLogger<FreshnessJob>.Instance);
        }

        public ValueTask DisposeAsync() => db.DisposeAsync();
    }

    private static string Describe(IEnumerable<Alert> alerts) => string.Join(", ", alerts.Select(a => $"{a.Kind}/{a.Level}/{a.Dataset}"));

    [Fact]
    public async Task A_dataset_past_its_sla_alerts_once_per_level_and_a_load_sends_the_recovery_notice()
    {
        await using var setup = await Setup.CreateAsync(stack);
        await setup.SavePipelineAsync("orders_load", "orders", "freshness: { warn_after: 2h, error_after: 6h }\n");
        await setup.LoadAsync("orders_load", "orders");
        await using var receiver = new AlertReceiver();
        using var http = new HttpClient();
        var job = setup.Job(receiver, http);

        setup.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));

        setup.Clock.Advance(TimeSpan.FromHours(1.5));
        var warn = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.stale", "warn", "orders", "orders_load", "stale"), (warn.Kind, warn.Level, warn.Dataset, warn.Pipeline, warn.Status));
        Assert.Equal(T0, warn.LastLoadedAt);
        Assert.Equal("orders is late: last loaded 2031-03-04 10:05:00Z; warn_after 2h, error_after 6h; late since 2031-03-04 12:05:00Z", warn.Error);
        Assert.Equal("https://ductus.example/api/datasets/orders", warn.Link);

        // Still late, same level: nothing more, however often it is checked.
        setup.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));

        setup.Clock.Advance(TimeSpan.FromHours(4));
        var error = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.stale", "error"), (error.Kind, error.Level));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));

        setup.Clock.Advance(TimeSpan.FromMinutes(5));
        await setup.LoadAsync("orders_load", "orders");
        var fresh = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.fresh", "info", "fresh", (string?)null), (fresh.Kind, fresh.Level, fresh.Status, fresh.Error));
        Assert.Equal(setup.Clock.GetUtcNow(), fresh.LastLoadedAt);
        Assert.Empty(await job.CheckAsync(CancellationToken.None));

        // A new breach is announced again.
        setup.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal("dataset.stale/warn/orders", Describe(await job.CheckAsync(CancellationToken.None)));

        // The webhook got exactly these, signed, in order.
        var received = receiver.Snapshot();
        Assert.Equal(["dataset.stale/warn", "dataset.stale/error", "dataset.fresh/info", "dataset.stale/warn"],
            received.Select(r => $"{r.Json.GetProperty("kind").GetString()}/{r.Json.GetProperty("level").GetString()}"));
        // Each signed at the check's (controlled) time: verified as its receiver would have, then.
        Assert.All(received, r => Assert.True(WebhookSignature.Verify(AlertReceiver.Secret, r.Timestamp, r.Signature, r.Body, r.Json.GetProperty("at").GetDateTimeOffset())));
        Assert.Equal(4, (await WebhookDeliveryTests.DeliveriesAsync(setup.Db.App, setup.Workspace)).Count(d => d.Delivered));
    }

    [Fact]
    public async Task Without_an_sla_a_scheduled_dataset_warns_after_two_missed_schedule_times_and_errors_after_four()
    {
        await using var setup = await Setup.CreateAsync(stack);
        await setup.SavePipelineAsync("hourly", "hourly_ds", "schedule: '0 0 * * * ?'\n");
        await setup.SavePipelineAsync("never", "never_ds", "schedule: '0 0 * * * ?'\n");
        await setup.SavePipelineAsync("paused", "paused_ds", "schedule: '0 0 * * * ?'\n");
        await setup.SavePipelineAsync("unscheduled", "unscheduled_ds", string.Empty);
        Assert.True(await setup.Store.Pipelines.SetEnabledAsync(setup.Workspace, "paused", false));
        await setup.LoadAsync("hourly", "hourly_ds");
        await setup.LoadAsync("unscheduled", "unscheduled_ds");
        await using var receiver = new AlertReceiver();
        using var http = new HttpClient();
        var job = setup.Job(receiver, http);

        // Loaded 10:05; due 11:00 and 12:00, each run given the 10-minute grace: late at 12:10.
        setup.Clock.Advance(TimeSpan.FromMinutes(119));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));
        setup.Clock.Advance(TimeSpan.FromMinutes(7));
        Assert.Equal("dataset.stale/warn/hourly_ds, dataset.stale/warn/never_ds", Describe((await job.CheckAsync(CancellationToken.None)).OrderBy(a => a.Dataset)));

        // Four missed times: 14:10.
        setup.Clock.Advance(TimeSpan.FromHours(2));
        var errors = (await job.CheckAsync(CancellationToken.None)).OrderBy(a => a.Dataset).ToList();
        Assert.Equal("dataset.stale/error/hourly_ds, dataset.stale/error/never_ds", Describe(errors));
        Assert.Contains("schedule '0 0 * * * ?': warn after 2 missed loads, error after 4", errors[0].Error, StringComparison.Ordinal);
        Assert.Contains("never loaded (pipeline created", errors[1].Error, StringComparison.Ordinal);
        Assert.Null(errors[1].LastLoadedAt);
    }

    [Fact]
    public async Task Of_several_pipelines_loading_one_dataset_the_alerts_judge_by_the_sla_the_dataset_read_side_shows()
    {
        await using var setup = await Setup.CreateAsync(stack);
        // By name the archived and the paused pipelines come first, with the tightest SLAs; the one
        // with neither schedule nor freshness block sets none; of the rest, d_tight comes first.
        await setup.SavePipelineAsync("a_archived", "shared", "freshness: { warn_after: 1h }\n");
        await setup.SavePipelineAsync("b_paused", "shared", "freshness: { warn_after: 90m }\n");
        await setup.SavePipelineAsync("c_no_sla", "shared", string.Empty);
        await setup.SavePipelineAsync("d_tight", "shared", "freshness: { warn_after: 3h, error_after: 5h }\n");
        await setup.SavePipelineAsync("e_loose", "shared", "schedule: '0 0 * * * ?'\nfreshness: { warn_after: 8h }\n");
        Assert.True(await setup.Store.Pipelines.ArchiveAsync(setup.Workspace, "a_archived", new AuditEntry("test", AuditActions.PipelineArchived, "a_archived")));
        Assert.True(await setup.Store.Pipelines.SetEnabledAsync(setup.Workspace, "b_paused", false));
        await setup.LoadAsync("c_no_sla", "shared");
        await using var receiver = new AlertReceiver();
        using var http = new HttpClient();
        var job = setup.Job(receiver, http);

        // Two hours after the load: late by the archived and the paused pipelines' SLAs, not by the chosen one.
        setup.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("d_tight", "warn_after 3h, error_after 5h", LatenessLevel.None, "c_no_sla"), await ReadSideAsync(setup, "shared"));

        setup.Clock.Advance(TimeSpan.FromHours(1.5));
        var warn = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.stale", "warn", "shared", "d_tight"), (warn.Kind, warn.Level, warn.Dataset, warn.Pipeline));
        Assert.Equal("shared is late: last loaded 2031-03-04 10:05:00Z; warn_after 3h, error_after 5h; late since 2031-03-04 13:05:00Z", warn.Error);
        Assert.Equal(("d_tight", "warn_after 3h, error_after 5h", LatenessLevel.Warn, "c_no_sla"), await ReadSideAsync(setup, "shared"));

        // Pausing the chosen pipeline moves the choice to the next by name, whose 8h the dataset
        // is within: both sides move, and the breach ends with the recovery notice.
        Assert.True(await setup.Store.Pipelines.SetEnabledAsync(setup.Workspace, "d_tight", false));
        Assert.Equal(("e_loose", "warn_after 8h", LatenessLevel.None, "c_no_sla"), await ReadSideAsync(setup, "shared"));
        var fresh = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.fresh", "shared", "e_loose"), (fresh.Kind, fresh.Dataset, fresh.Pipeline));

        // The archived one restored is first by name again, and its hour has long passed.
        Assert.Equal(ArchiveOutcome.Done, await setup.Store.Pipelines.RestoreAsync(setup.Workspace, "a_archived", new AuditEntry("test", AuditActions.PipelineRestored, "a_archived")));
        Assert.Equal(("a_archived", "warn_after 1h", LatenessLevel.Warn, "c_no_sla"), await ReadSideAsync(setup, "shared"));
        var again = Assert.Single(await job.CheckAsync(CancellationToken.None));
        Assert.Equal(("dataset.stale", "warn", "a_archived"), (again.Kind, again.Level, again.Pipeline));
        Assert.Contains("warn_after 1h; late since 2031-03-04 11:05:00Z", again.Error, StringComparison.Ordinal);
    }

    /// <summary>The dataset as <c>GET /api/datasets/{name}</c> reads it: the SLA's pipeline, the SLA, the level, and the pipeline that loaded it.</summary>
    private static async Task<(string?, string?, LatenessLevel, string?)> ReadSideAsync(Setup setup, string dataset)
    {
        var record = await setup.Store.Datasets.GetAsync(setup.Workspace, dataset);
        Assert.NotNull(record);
        var freshness = Freshness.Evaluate(record, setup.Clock.GetUtcNow(), new AlertOptions().FreshnessGrace);
        return (freshness.Pipeline, freshness.Sla is { } sla ? Freshness.Describe(sla) : null, freshness.Level, record.Pipeline);
    }

    [Fact]
    public async Task Two_checkers_at_once_announce_a_breach_once()
    {
        await using var setup = await Setup.CreateAsync(stack);
        await setup.SavePipelineAsync("orders_load", "orders", "freshness: { warn_after: 2h }\n");
        await setup.LoadAsync("orders_load", "orders");
        await using var receiver = new AlertReceiver();
        using var http = new HttpClient();
        setup.Clock.Advance(TimeSpan.FromHours(3));

        var both = await Task.WhenAll(setup.Job(receiver, http).CheckAsync(CancellationToken.None), setup.Job(receiver, http).CheckAsync(CancellationToken.None));

        Assert.Equal("dataset.stale/warn/orders", Describe(both.SelectMany(a => a)));
        Assert.Single(receiver.Snapshot());
        await using var read = await WorkspaceRead.ExecuteAsync(setup.Db.App, setup.Workspace, WorkspaceRead.Query("SELECT dataset, pipeline, level FROM dataset_freshness_alerts"), CancellationToken.None);
        Assert.True(await read.Reader.ReadAsync());
        Assert.Equal(("orders", "orders_load", "warn"), (read.Reader.GetString(0), read.Reader.GetString(1), read.Reader.GetString(2)));
        Assert.False(await read.Reader.ReadAsync());
    }
}
