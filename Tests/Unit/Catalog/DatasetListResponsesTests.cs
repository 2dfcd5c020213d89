using System.Text.Json;
using Ductus.Api.Catalog;
using Ductus.Api.Features.Datasets.List;
using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Catalog;

/// <summary>
/// The dataset list's bytes are reused only while they would be written the same: the catalog's
/// list is the same instance and no dataset has reached the time its freshness reads differently.
/// </summary>
public sealed class DatasetListResponsesTests
{
    private static readonly DateTimeOffset LoadedAt = new(2026, 12, 7, 10, 5, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_list_answers_the_same_bytes_until_a_scheduled_dataset_turns_stale()
    {
        var clock = new ManualClock(LoadedAt.AddMinutes(25));
        var responses = Responses(clock);
        // Hourly: the load after 10:05 is due at 11:00, plus the 10 minutes' tolerance.
        IReadOnlyList<DatasetRecord> list = [Record("flights", "0 0 * * * ?")];

        var first = responses.Json(Guid.Empty, list, JsonSerializerOptions.Web);
        Assert.Equal(("fresh", "2026-12-07T11:10:00+00:00"), Status(first));
        clock.Advance(TimeSpan.FromMinutes(39));
        Assert.Same(first, responses.Json(Guid.Empty, list, JsonSerializerOptions.Web));

        clock.Advance(TimeSpan.FromMinutes(2));
        var later = responses.Json(Guid.Empty, list, JsonSerializerOptions.Web);
        Assert.Equal(("stale", "2026-12-07T11:10:00+00:00"), Status(later));
    }

    [Fact]
    public void A_dataset_with_an_sla_turns_the_bytes_at_its_warn_and_error_times()
    {
        var clock = new ManualClock(LoadedAt.AddMinutes(50));
        var responses = Responses(clock);
        IReadOnlyList<DatasetRecord> list =
        [
            Record("orders", null) with { Sla = new DatasetSla("load_orders", null, new FreshnessSpec(TimeSpan.FromHours(1), TimeSpan.FromHours(3)), LoadedAt.AddDays(-1)) },
            Record("airports", null),
        ];

        var first = responses.Json(Guid.Empty, list, JsonSerializerOptions.Web);
        Assert.Equal("none", Level(first));
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("warn", Level(responses.Json(Guid.Empty, list, JsonSerializerOptions.Web)));
        clock.Advance(TimeSpan.FromHours(1));
        var warned = responses.Json(Guid.Empty, list, JsonSerializerOptions.Web);
        Assert.Equal("warn", Level(warned));
        Assert.Same(warned, responses.Json(Guid.Empty, list, JsonSerializerOptions.Web));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("error", Level(responses.Json(Guid.Empty, list, JsonSerializerOptions.Web)));
    }

    [Fact]
    public void A_list_read_again_is_serialized_again_and_workspaces_keep_their_own()
    {
        var responses = Responses(new ManualClock(LoadedAt.AddMinutes(1)));
        IReadOnlyList<DatasetRecord> list = [Record("flights", null)];
        var first = responses.Json(Guid.Empty, list, JsonSerializerOptions.Web);

        IReadOnlyList<DatasetRecord> reread = [Record("flights", null) with { Description = "changed" }];
        var second = responses.Json(Guid.Empty, reread, JsonSerializerOptions.Web);
        Assert.NotSame(first, second);
        Assert.Equal("changed", Items(second)[0].GetProperty("description").GetString());

        var other = Guid.NewGuid();
        Assert.NotSame(second, responses.Json(other, list, JsonSerializerOptions.Web));
        Assert.Same(second, responses.Json(Guid.Empty, reread, JsonSerializerOptions.Web));
    }

    private static DatasetListResponses Responses(TimeProvider clock) =>
        new(clock, Microsoft.Extensions.Options.Options.Create(new CatalogOptions { FreshnessTolerance = TimeSpan.FromMinutes(10) }));

    private static DatasetRecord Record(string name, string? schedule) =>
        new(name, "test data", [new DatasetColumn("id", "BIGINT", null, true)], 1, 10, 100, LoadedAt, schedule, "load_" + name, LoadedAt.AddDays(-1), LoadedAt);

    private static JsonElement[] Items(byte[] json) => [.. JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray()];

    private static (string?, string?) Status(byte[] json)
    {
        var freshness = Items(json)[0].GetProperty("freshness");
        return (freshness.GetProperty("status").GetString(), freshness.GetProperty("dueBy").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string? Level(byte[] json) => Items(json)[0].GetProperty("freshness").GetProperty("level").GetString();
}
