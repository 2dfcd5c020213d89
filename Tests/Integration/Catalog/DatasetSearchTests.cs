using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// Owners, tags and search in the catalog, as the services' role: a dataset carries its
/// pipeline spec's metadata, and the full-text search over it finds, ranks and filters.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class DatasetSearchTests(StackFixture stack)
{
    [Fact]
    public async Task A_dataset_takes_its_pipelines_owner_tags_and_descriptions_at_commit_and_at_every_save()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("search");
        await SaveAsync(db, ws, "load_flights", "flights", "Flights of the day", "ops-team", ["aviation", "daily"], "the flight number");

        // Before the first commit there is no dataset row to carry anything.
        Assert.Empty(await db.Store.Datasets.ListAsync(ws));
        await CommitAsync(db, ws, "flights", "load_flights");
        var loaded = (await db.Store.Datasets.GetAsync(ws, "flights"))!;
        Assert.Equal(("Flights of the day", "ops-team"), (loaded.Description, loaded.Owner));
        Assert.Equal(["aviation", "daily"], loaded.Tags);
        Assert.Equal("the flight number", loaded.Columns.Single(c => c.Name == "id").Description);

        // A save changes them at once, without a run; what the spec drops is dropped.
        await SaveAsync(db, ws, "load_flights", "flights", null, "platform", ["hourly"], null);
        var saved = (await db.Store.Datasets.GetAsync(ws, "flights"))!;
        Assert.Equal((null, "platform"), (saved.Description, saved.Owner));
        Assert.Equal(["hourly"], saved.Tags);
        Assert.Equal([new DatasetColumn("id", "BIGINT", null, true)], saved.Columns);
        Assert.Equal(1, saved.CurrentVersion);

        // A pipeline that only names the dataset as its target does not take it over.
        await SaveAsync(db, ws, "other", "flights", "not mine", "intruder", ["x"], null);
        Assert.Equal("platform", (await db.Store.Datasets.GetAsync(ws, "flights"))!.Owner);
    }

    [Fact]
    public async Task Search_finds_each_field_ranks_names_first_and_leaves_archived_datasets_out()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("search");
        await LoadAsync(db, ws, "carriers", "Airlines and their codes", "ana@example.com", ["reference"], "IATA airline code");
        await LoadAsync(db, ws, "delays", "How late each carrier was", "ops-team", ["aviation", "daily"], "minutes late");
        await LoadAsync(db, ws, "weather", "Storms by airport", "meteo", ["aviation"], "wind speed in knots");

        Assert.Equal(["carriers", "delays"], await SearchAsync(db, ws, new DatasetFilter("carrier")));
        Assert.Equal(["delays"], await SearchAsync(db, ws, new DatasetFilter("ops-team")));
        Assert.Equal(["carriers"], await SearchAsync(db, ws, new DatasetFilter("ana@example.com")));
        Assert.Equal(["carriers"], await SearchAsync(db, ws, new DatasetFilter("referen")));
        Assert.Equal(["weather"], await SearchAsync(db, ws, new DatasetFilter("knots")));
        Assert.Equal(["delays", "weather"], await SearchAsync(db, ws, new DatasetFilter("aviation")));
        Assert.Equal(["carriers", "delays", "weather"], await SearchAsync(db, ws, new DatasetFilter("id")));
        Assert.Equal(["weather"], await SearchAsync(db, ws, new DatasetFilter("aviation -late")));
        Assert.Equal(["delays"], await SearchAsync(db, ws, new DatasetFilter("\"minutes late\"")));
        Assert.Empty(await SearchAsync(db, ws, new DatasetFilter("submarine")));
        Assert.Empty(await SearchAsync(db, ws, new DatasetFilter("&|!:*")));

        Assert.Equal(["delays", "weather"], await SearchAsync(db, ws, new DatasetFilter(Tag: "aviation")));
        Assert.Equal(["delays"], await SearchAsync(db, ws, new DatasetFilter(Tag: "daily")));
        Assert.Equal(["delays"], await SearchAsync(db, ws, new DatasetFilter(Owner: "OPS-TEAM")));
        Assert.Empty(await SearchAsync(db, ws, new DatasetFilter(Owner: "ops")));
        Assert.Equal(["weather"], await SearchAsync(db, ws, new DatasetFilter("storms", Tag: "aviation", Owner: "meteo")));

        Assert.True(await db.Store.Datasets.ArchiveAsync(ws, "delays", new AuditEntry("carol", AuditActions.DatasetArchived, "delays")));
        Assert.Equal(["carriers"], await SearchAsync(db, ws, new DatasetFilter("carrier")));
        Assert.Equal(["weather"], await SearchAsync(db, ws, new DatasetFilter(Tag: "aviation")));
    }

    [Fact]
    public async Task A_name_match_outranks_a_tag_which_outranks_a_description_which_outranks_a_column_description()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("search");
        await LoadAsync(db, ws, "d_column", null, null, [], "about revenue");
        await LoadAsync(db, ws, "d_description", "revenue by day", null, [], null);
        await LoadAsync(db, ws, "d_tag", null, null, ["revenue"], null);
        await LoadAsync(db, ws, "revenue", null, null, [], null);

        Assert.Equal(["revenue", "d_tag", "d_description", "d_column"], await SearchAsync(db, ws, new DatasetFilter("revenue")));
        // Another workspace sees none of it.
        var other = await db.Store.Workspaces.EnsureAsync("elsewhere");
        Assert.Empty(await SearchAsync(db, other, new DatasetFilter("revenue")));
    }

    private static async Task<List<string>> SearchAsync(CatalogDatabase db, Guid ws, DatasetFilter filter) =>
        [.. (await db.Store.Datasets.ListAsync(ws, filter)).Select(d => d.Name)];

    private static async Task LoadAsync(CatalogDatabase db, Guid ws, string dataset, string? description, string? owner, string[] tags, string? columnDescription)
    {
        await SaveAsync(db, ws, "load_" + dataset, dataset, description, owner, tags, columnDescription);
        await CommitAsync(db, ws, dataset, "load_" + dataset);
    }

    private static async Task CommitAsync(CatalogDatabase db, Guid ws, string dataset, string pipeline)
    {
        var run = await db.StartRunAsync(ws, dataset, pipeline);
        await db.Store.Committer.CommitAsync(ws, Request(run.Id, dataset, WriteMode.Append, File($"{dataset}/a.parquet", 3)) with { Description = null });
    }

    /// <summary>Saves a spec as the Api would store it: its JSON with the catalog fields and one contract column, <c>id</c>.</summary>
    private static Task<int> SaveAsync(CatalogDatabase db, Guid ws, string pipeline, string dataset, string? description, string? owner, string[] tags, string? columnDescription)
    {
        var spec = new Dictionary<string, object?>
        {
            ["name"] = pipeline,
            ["description"] = description,
            ["owner"] = owner,
            ["tags"] = tags,
            ["contract"] = new { columns = new { id = columnDescription is null ? new Dictionary<string, string>() : new() { ["description"] = columnDescription } } },
            ["target"] = new { dataset },
        };
        var json = System.Text.Json.JsonSerializer.Serialize(spec.Where(p => p.Value is not null).ToDictionary());
        return db.Store.Pipelines.SaveAsync(ws, pipeline, json, json, "json", null, dataset);
    }
}
