using Ductus.Core.Catalog;
using Ductus.Core.Lake;
using Ductus.Core.Specs;
using Ductus.Pipelines.Engine;
using Ductus.Tests.Infrastructure;
using static Ductus.Tests.Integration.Catalog.CatalogDatabase;

namespace Ductus.Tests.Integration.Catalog;

/// <summary>
/// Two runs check their columns against the same snapshot; the first commits a schema change.
/// The second's commit must judge its columns against what the first committed, as the runner
/// asks it to (<see cref="SchemaEvolution.OnTopOf"/>), not against what it saw at its start.
/// </summary>
[Collection(StackDefinition.Name)]
public sealed class ConcurrentSchemaCommitTests(StackFixture stack)
{
    private static readonly DatasetColumn Id = new("id", "INTEGER", "the key", true);

    [Fact]
    public async Task A_column_another_run_added_after_this_runs_check_is_kept_when_this_run_commits()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var (first, second) = await TwoRunsOnOneSnapshotAsync(db, ws);

        DatasetColumn fare = new("fare", "DOUBLE", null, false), seats = new("seats", "INTEGER", null, false);
        await db.Store.Committer.CommitAsync(ws, Commit(first.Id, SchemaEvolutionPolicy.AddColumns, [Id, fare], "a.parquet"));
        // Checked at its start against [id] only: as given, its columns would drop 'fare'.
        var commit = await db.Store.Committer.CommitAsync(ws, Commit(second.Id, SchemaEvolutionPolicy.AddColumns, [Id, seats], "b.parquet"));

        Assert.Equal(["id", "fare", "seats"], (await db.Store.Datasets.GetColumnsAsync(ws, "orders")).Select(c => c.Name));
        var snapshot = (await db.Store.Datasets.ListSnapshotsAsync(ws, "orders")).Single(s => s.Version == commit.Version);
        Assert.Equal(["seats"], snapshot.SchemaChanges!.Added.Select(a => a.Name));
    }

    [Fact]
    public async Task A_run_whose_columns_a_commit_in_between_made_refusable_is_refused_and_makes_no_snapshot()
    {
        await using var db = await CreateAsync(stack);
        var ws = await db.Store.Workspaces.EnsureAsync("alpha");
        var (first, second) = await TwoRunsOnOneSnapshotAsync(db, ws);

        var widened = await db.Store.Committer.CommitAsync(ws, Commit(first.Id, SchemaEvolutionPolicy.Widen, [Id with { Type = "BIGINT" }], "a.parquet"));
        var refused = await Assert.ThrowsAsync<SchemaRefusedException>(() =>
            db.Store.Committer.CommitAsync(ws, Commit(second.Id, SchemaEvolutionPolicy.AddColumns, [Id], "b.parquet")));

        Assert.Contains("column 'id'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("another run committed first", refused.Message, StringComparison.Ordinal);
        Assert.Equal(widened.Version, (await db.Store.Datasets.GetAsync(ws, "orders"))!.CurrentVersion);
        Assert.Equal("BIGINT", Assert.Single(await db.Store.Datasets.GetColumnsAsync(ws, "orders")).Type);
        Assert.Equal(RunStatus.Running, (await db.Store.Runs.GetAsync(ws, second.Id))!.Status);
    }

    /// <summary>Dataset <c>orders</c> at its first snapshot with column <c>id INTEGER</c>, and two runs started on it.</summary>
    private static async Task<(RunRecord First, RunRecord Second)> TwoRunsOnOneSnapshotAsync(CatalogDatabase db, Guid ws)
    {
        var initial = await db.StartRunAsync(ws, "orders");
        await db.Store.Committer.CommitAsync(ws, Commit(initial.Id, SchemaEvolutionPolicy.AddColumns, [Id], "0.parquet"));
        return (await db.StartRunAsync(ws, "orders", "load_orders_a"), await db.StartRunAsync(ws, "orders", "load_orders_b"));
    }

    /// <summary>A run's commit as the runner makes it: its columns checked against <c>[id INTEGER]</c> at its start, and again at the commit.</summary>
    private static CommitRequest Commit(Guid runId, SchemaEvolutionPolicy policy, IReadOnlyList<DatasetColumn> run, string file)
    {
        var atStart = SchemaEvolution.Check(policy, new SchemaBaseline([Id], Replace: false), run);
        Assert.Null(atStart.Problem);
        return Request(runId, "orders", WriteMode.Append, File("x/orders/" + file, 5)) with
        {
            Columns = atStart.Columns,
            SchemaChanges = atStart.Changes,
            ColumnsOnTopOf = SchemaEvolution.OnTopOf(policy, replace: false, run),
        };
    }
}
