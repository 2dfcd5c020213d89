using Ductus.Core.Catalog;
using Npgsql;

namespace Ductus.Pipelines.Alerts;

/// <summary>One dataset as the freshness check sees it this time.</summary>
/// <param name="Sla">The SLA it is judged by, and the pipeline that sets it.</param>
/// <param name="LastLoadedAt">The last successful load; null when never loaded.</param>
public sealed record FreshnessCheck(string Dataset, DatasetSla Sla, DateTimeOffset? LastLoadedAt, Lateness Lateness);

/// <summary>What changed for one dataset, and so what to announce.</summary>
/// <param name="Level">The level now: <see cref="LatenessLevel.None"/> for a recovery.</param>
/// <param name="Since">When the breach began (the first alert of it).</param>
public sealed record FreshnessTransition(FreshnessCheck Check, LatenessLevel Level, DateTimeOffset Since);

/// <summary>
/// The breaches in <c>dataset_freshness_alerts</c>: a row per dataset that is late, with the level
/// already announced. Comparing this pass's checks with the rows, in one transaction, decides
/// what is announced: a new row or a higher level is a stale alert, a deleted row a recovery, and
/// anything already recorded nothing, so each breach (and each level of it) is announced once,
/// however many nodes check.
/// </summary>
public sealed class FreshnessBreaches(NpgsqlDataSource db)
{
    /// <summary>
    /// Records this pass: <paramref name="checks"/> are every dataset that has an SLA now. Rows of
    /// datasets no longer checked (pipeline deleted, disabled, SLA removed) go without a notice.
    /// </summary>
    public async Task<IReadOnlyList<FreshnessTransition>> ApplyAsync(
        Guid workspace, Func<WorkspaceTransaction, Task<IReadOnlyList<FreshnessCheck>>> check, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(check);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspace, ct);
        // Two checkers of one workspace (a second node, or a pass still running when the next
        // fires) take turns: the second then reads what the first recorded and announces nothing twice.
        await using (var turn = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended('ductus.freshness:' || @ws, 0))").With("ws", workspace.ToString()))
        {
            await turn.ExecuteNonQueryAsync(ct);
        }

        var recorded = new Dictionary<string, (LatenessLevel Level, DateTimeOffset Since)>(StringComparer.Ordinal);
        await using (var read = tx.Command("SELECT dataset, level, since FROM dataset_freshness_alerts FOR UPDATE"))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                recorded[reader.GetString(0)] = (Parse(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2));
            }
        }

        var checks = await check(tx);
        var transitions = new List<FreshnessTransition>();
        foreach (var c in checks)
        {
            var level = c.Lateness.Level;
            var had = recorded.Remove(c.Dataset, out var row);
            if (level == LatenessLevel.None)
            {
                if (had)
                {
                    await DeleteAsync(tx, c.Dataset, ct);
                    transitions.Add(new FreshnessTransition(c, level, row.Since));
                }

                continue;
            }

            if (!had)
            {
                await UpsertAsync(tx, c, level, now, ct);
                transitions.Add(new FreshnessTransition(c, level, now));
            }
            else if (level != row.Level)
            {
                // Up (warn to error) is announced; down only follows a spec that loosened its SLA.
                await UpsertAsync(tx, c, level, now, ct);
                if (level > row.Level)
                {
                    transitions.Add(new FreshnessTransition(c, level, row.Since));
                }
            }
        }

        foreach (var gone in recorded.Keys)
        {
            await DeleteAsync(tx, gone, ct);
        }

        await tx.CommitAsync(ct);
        return transitions;
    }

    public static string Name(LatenessLevel level) => level switch
    {
        LatenessLevel.Warn => AlertLevels.Warn,
        LatenessLevel.Error => AlertLevels.Error,
        _ => AlertLevels.Info,
    };

    private static LatenessLevel Parse(string level) => level == AlertLevels.Error ? LatenessLevel.Error : LatenessLevel.Warn;

    private static async Task UpsertAsync(WorkspaceTransaction tx, FreshnessCheck check, LatenessLevel level, DateTimeOffset now, CancellationToken ct)
    {
        await using var upsert = tx.Command("""
            INSERT INTO dataset_freshness_alerts (workspace_id, dataset, pipeline, level, since, raised_at)
            VALUES (ductus_current_workspace(), @dataset, @pipeline, @level, @now, @now)
            ON CONFLICT (workspace_id, dataset) DO UPDATE SET level = excluded.level, pipeline = excluded.pipeline, raised_at = excluded.raised_at
            """)
            .With("dataset", check.Dataset)
            .With("pipeline", check.Sla.Pipeline)
            .With("level", Name(level))
            .With("now", now);
        await upsert.ExecuteNonQueryAsync(ct);
    }

    private static async Task DeleteAsync(WorkspaceTransaction tx, string dataset, CancellationToken ct)
    {
        await using var delete = tx.Command("DELETE FROM dataset_freshness_alerts WHERE dataset = @dataset").With("dataset", dataset);
        await delete.ExecuteNonQueryAsync(ct);
    }
}
