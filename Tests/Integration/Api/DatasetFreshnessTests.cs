using Ductus.Core.Auth;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Integration.Api;

/// <summary>The <c>freshness</c> of <c>GET /api/datasets</c> items for loads made now, hours ago, and without a schedule.</summary>
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
}
