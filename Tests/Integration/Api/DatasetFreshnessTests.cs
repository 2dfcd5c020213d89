using System.Net.Http.Json;
using System.Text.Json;
using Ductus.Core.Auth;
using Ductus.Core.Catalog;
using Ductus.Core.Specs;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Unit.Engine;

namespace Ductus.Tests.Integration.Api;

/// <summary>The <c>freshness</c> of <c>GET /api/datasets</c> items for loads made now, hours ago, without a schedule, by a spec's SLA, and by the SLA chosen among several pipelines.</summary>
[Collection(StackDefinition.Name)]
public sealed class DatasetFreshnessTests(StackFixture stack)
{
    [Fact]
    public async Task Freshness_names_the_last_commit_the_pipeline_the_schedule_and_when_the_next_load_is_expected()
    {
        var fresh = await CatalogData.OwnFlightsRunAsync(stack);
        // An hourly dataset last loaded three hours ago: two loads are overdue.
        var now = DateTimeOffset.UtcNow;
        // Whole seconds: the catalog keeps microseconds, so a finer instant would not come back equal.
        var threeHoursAgo = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddHours(-3);
        var late = await CatalogData.OwnFlightsRunAsync(stack, new ManualClock(threeHoursAgo));
        var unscheduled = await CatalogData.OwnFlightsRunAsync(stack, unscheduled: true);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        // Commits made straight in the catalog reach the Api's cached list within its cache age.
        var items = await Eventually.Async(async () =>
            {
                using var list = await analyst.GetAsync("/api/datasets");
                return (await list.BodyAsync()).GetProperty("items").EnumerateArray()
                    .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("freshness"));
            },
            d => new[] { fresh, late, unscheduled }.All(r => d.ContainsKey(r.Dataset)), TimeSpan.FromSeconds(45), "the three datasets listed");

        var onTime = items[fresh.Dataset];
        Assert.Equal("fresh", onTime.GetProperty("status").GetString());
        Assert.Equal(fresh.Pipeline, onTime.GetProperty("pipeline").GetString());
        Assert.Equal("0 0 * * * ?", onTime.GetProperty("schedule").GetString());
        var committed = onTime.GetProperty("lastCommitAt").GetDateTimeOffset();
        Assert.True(committed > DateTimeOffset.UtcNow.AddMinutes(-10), $"lastCommitAt {committed:O}");
        // The next full hour after the commit, plus the default 10 minutes' tolerance.
        var hour = new DateTimeOffset(committed.Year, committed.Month, committed.Day, committed.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        Assert.Equal(hour.AddMinutes(10), onTime.GetProperty("expectedBy").GetDateTimeOffset());
        Assert.Equal(onTime.GetProperty("dueBy").GetDateTimeOffset(), onTime.GetProperty("expectedBy").GetDateTimeOffset());

        var overdue = items[late.Dataset];
        Assert.Equal("stale", overdue.GetProperty("status").GetString());
        Assert.Equal(threeHoursAgo, overdue.GetProperty("lastCommitAt").GetDateTimeOffset());
        Assert.True(overdue.GetProperty("expectedBy").GetDateTimeOffset() < DateTimeOffset.UtcNow);

        var unknown = items[unscheduled.Dataset];
        Assert.Equal("unscheduled", unknown.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, unknown.GetProperty("schedule").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, unknown.GetProperty("expectedBy").ValueKind);
        Assert.Equal(unscheduled.Pipeline, unknown.GetProperty("pipeline").GetString());
    }

    [Fact]
    public async Task A_dataset_past_its_specs_sla_reads_stale_at_warn_naming_the_sla_and_one_without_an_sla_reads_as_before()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var lateYaml = FlightsTestSpec.Yaml("flights-sla-" + suffix, "flights_sla_" + suffix) + "\nfreshness: { warn_after: 1m, error_after: 1h }\ntags: [sla-" + suffix + "]\n";
        var late = await CatalogData.RunAsync(stack, lateYaml);
        // Then saved straight in the catalog with a warn_after the Api (and a run) would refuse, so
        // a second is enough to pass it. No schedule: by the schedule rule it would read unscheduled.
        await SaveAsync(late.Pipeline, late.Dataset, lateYaml.Replace("warn_after: 1m", "warn_after: 1s", StringComparison.Ordinal), schedule: null);
        var relaxedYaml = FlightsTestSpec.Yaml("flights-slow-" + suffix, "flights_slow_" + suffix) + "\nschedule: \"0 0 * * * ?\"\nfreshness: { warn_after: 3h }\n";
        var relaxed = await CatalogData.RunAsync(stack, relaxedYaml);
        Assert.Equal((RunStatus.Succeeded, RunStatus.Succeeded), (late.Status, relaxed.Status));
        var plain = await CatalogData.OwnFlightsRunAsync(stack);
        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);

        var stale = await Eventually.Async(() => FreshnessAsync(analyst, $"/api/datasets/{late.Dataset}"),
            f => f.GetProperty("status").GetString() == "stale", TimeSpan.FromSeconds(30), "the dataset past warn_after 1s read as stale");
        var committed = stale.GetProperty("lastCommitAt").GetDateTimeOffset();
        Assert.True(DateTimeOffset.UtcNow - committed >= TimeSpan.FromSeconds(1), $"stale already at {committed:O}");
        Assert.Equal(("warn", "warn_after 1s, error_after 1h", late.Pipeline), (stale.GetProperty("level").GetString(), stale.GetProperty("sla").GetString(), stale.GetProperty("pipeline").GetString()));
        Assert.Equal(committed.AddSeconds(1), stale.GetProperty("dueBy").GetDateTimeOffset());
        Assert.Equal(committed.AddSeconds(1), stale.GetProperty("expectedBy").GetDateTimeOffset());
        // A filtered listing reads the SLA as the plain one does.
        using (var search = await analyst.GetAsync($"/api/datasets?tag=sla-{suffix}"))
        {
            var listed = (await search.BodyAsync()).GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == late.Dataset);
            Assert.Equal(("stale", "warn"), (listed.GetProperty("freshness").GetProperty("status").GetString(), listed.GetProperty("freshness").GetProperty("level").GetString()));
        }

        // An hourly dataset with an SLA: the SLA, not the schedule, sets dueBy.
        var onTime = await FreshnessAsync(analyst, $"/api/datasets/{relaxed.Dataset}");
        Assert.Equal(("fresh", "none", "warn_after 3h"), (onTime.GetProperty("status").GetString(), onTime.GetProperty("level").GetString(), onTime.GetProperty("sla").GetString()));
        Assert.Equal(onTime.GetProperty("lastCommitAt").GetDateTimeOffset().AddHours(3), onTime.GetProperty("dueBy").GetDateTimeOffset());

        // A changed SLA shows at the next read: saving a spec forgets the cached dataset list.
        await SaveAsync(relaxed.Pipeline, relaxed.Dataset, relaxedYaml.Replace("warn_after: 3h", "warn_after: 2h", StringComparison.Ordinal), "0 0 * * * ?");
        Assert.Equal("warn_after 2h", (await FreshnessAsync(analyst, $"/api/datasets/{relaxed.Dataset}")).GetProperty("sla").GetString());

        // Without a freshness block: the schedule rule, as before, and the alerts' level.
        var asBefore = await FreshnessAsync(analyst, $"/api/datasets/{plain.Dataset}");
        Assert.Equal("fresh", asBefore.GetProperty("status").GetString());
        Assert.Equal("none", asBefore.GetProperty("level").GetString());
        Assert.Equal(JsonValueKind.Null, asBefore.GetProperty("sla").ValueKind);
        var commit = asBefore.GetProperty("lastCommitAt").GetDateTimeOffset();
        var hour = new DateTimeOffset(commit.Year, commit.Month, commit.Day, commit.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        Assert.Equal(hour.AddMinutes(10), asBefore.GetProperty("dueBy").GetDateTimeOffset());
    }

    [Fact]
    public async Task Of_several_pipelines_loading_one_dataset_the_first_by_name_neither_paused_nor_archived_sets_its_sla_and_a_pause_moves_it()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dataset = "flights_shared_" + suffix;
        // Loaded by a pipeline with neither schedule nor freshness block: it sets no SLA.
        var load = await CatalogData.RunAsync(stack, FlightsTestSpec.Yaml("shared-z-" + suffix, dataset));
        Assert.Equal(RunStatus.Succeeded, load.Status);
        // Four more that load it, each with its own SLA; by name the archived and the paused come first.
        string Name(string letter) => $"shared-{letter}-{suffix}";
        foreach (var (letter, sla) in new[] { ("a", "1h"), ("b", "2h"), ("c", "3h"), ("d", "4h") })
        {
            await SaveAsync(Name(letter), dataset, FlightsTestSpec.Yaml(Name(letter), dataset) + $"\nfreshness: {{ warn_after: {sla} }}\n", schedule: null);
        }

        using var engineer = await stack.ClientForRoleAsync(Roles.Engineer);
        using (var archived = await engineer.DeleteAsync(ApiJson.Relative($"/api/pipelines/{Name("a")}")))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, archived.StatusCode);
        }

        using (var paused = await engineer.PatchAsJsonAsync(ApiJson.Relative($"/api/pipelines/{Name("b")}"), new { enabled = false }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, paused.StatusCode);
        }

        using var analyst = await stack.ClientForRoleAsync(Roles.Analyst);
        var chosen = await FreshnessAsync(analyst, $"/api/datasets/{dataset}");
        Assert.Equal((Name("c"), "warn_after 3h", "fresh", "none"), Describe(chosen));
        Assert.Equal(chosen.GetProperty("lastCommitAt").GetDateTimeOffset().AddHours(3), chosen.GetProperty("dueBy").GetDateTimeOffset());

        // Paused by another process (as a second Api would): the cached list follows at the very
        // next read, so the pause moved the version token too, and the next by name takes over.
        await using (var app = CatalogData.App(stack))
        {
            var other = await stack.CatalogAsync(app);
            Assert.True(await other.Pipelines.SetEnabledAsync(CatalogData.DefaultWorkspace, Name("c"), false));
        }

        Assert.Equal((Name("d"), "warn_after 4h", "fresh", "none"), Describe(await FreshnessAsync(analyst, $"/api/datasets/{dataset}")));
        using (var list = await analyst.GetAsync("/api/datasets"))
        {
            var listed = (await list.BodyAsync()).GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == dataset);
            Assert.Equal((Name("d"), "warn_after 4h", "fresh", "none"), Describe(listed.GetProperty("freshness")));
            // The dataset's own pipeline is still the one that last loaded it.
            Assert.Equal(load.Pipeline, listed.GetProperty("pipeline").GetString());
        }

        // The archived one restored is first by name again.
        using (var restored = await engineer.PostAsync($"/api/pipelines/{Name("a")}/restore"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, restored.StatusCode);
        }

        Assert.Equal((Name("a"), "warn_after 1h", "fresh", "none"), Describe(await FreshnessAsync(analyst, $"/api/datasets/{dataset}")));

        static (string?, string?, string?, string?) Describe(JsonElement f) =>
            (f.GetProperty("pipeline").GetString(), f.GetProperty("sla").GetString(), f.GetProperty("status").GetString(), f.GetProperty("level").GetString());
    }

    /// <summary>Saves a new version of a pipeline's spec as the Api would, without its validation.</summary>
    private async Task SaveAsync(string pipeline, string dataset, string yaml, string? schedule)
    {
        await using var app = CatalogData.App(stack);
        var catalog = await stack.CatalogAsync(app);
        await catalog.Pipelines.SaveAsync(CatalogData.DefaultWorkspace, pipeline, SpecWriter.ToJson(EngineScratch.Parse(yaml)), yaml, "yaml", schedule, dataset);
    }

    private static async Task<JsonElement> FreshnessAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.BodyAsync()).GetProperty("freshness").Clone();
    }
}
