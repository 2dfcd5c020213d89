using Ductus.Core.DataContracts;
using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>A value of a column among a rule's rejects, and how many of them had it (null: the value was null).</summary>
public sealed record ValueCount(string? Value, long Count);

/// <summary>The rejects of a run that broke one rule.</summary>
/// <param name="Message">The message this rule gave the first of them.</param>
/// <param name="TopValues">The commonest values of the rule's column among them; empty for a rule of no column.</param>
public sealed record RejectRuleGroup(string Rule, long Count, string Message, IReadOnlyList<ValueCount> TopValues);

/// <param name="ParseFailures">Rejects kept as raw text because the source's reader could not parse them.</param>
/// <param name="Rules">Most broken first; a reject that broke two rules counts in both.</param>
public sealed record RejectSummary(long Total, long ParseFailures, IReadOnlyList<RejectRuleGroup> Rules);

/// <summary>A reject's id and its values as a JSON object, as the contract saw them.</summary>
public sealed record RejectValues(long Id, string ValuesJson);

/// <summary>
/// A run's rejects read by rule, for the rejects page and the rule what-if. The grouping runs in
/// PostgreSQL (one row per broken rule via <c>unnest(rules)</c>), so a run with millions of
/// rejects is summarised without reading them.
/// </summary>
public sealed class RejectRuleStats(NpgsqlDataSource db)
{
    /// <summary>How many of a rule's commonest values the summary shows.</summary>
    public const int TopValueCount = 10;

    public async Task<RejectSummary> SummarizeAsync(Guid workspaceId, Guid runId, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        long total, parseFailures;
        await using (var totals = tx.Command("""
            SELECT count(*), count(*) FILTER (WHERE raw_text IS NOT NULL)
              FROM rejects
             WHERE workspace_id = @ws AND run_id = @run
            """)
            .With("ws", workspaceId)
            .With("run", runId))
        {
            await using var reader = await totals.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (total, parseFailures) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var groups = new List<(string Rule, long Count, string Message)>();
        // The message of one rule is its part of the reject's message, when the parts can be told apart.
        await using (var byRule = tx.Command("""
            WITH broken AS (
                SELECT u.rule, count(*) AS n, min(r.id) AS first_id
                  FROM rejects r CROSS JOIN LATERAL unnest(r.rules) AS u(rule)
                 WHERE r.workspace_id = @ws AND r.run_id = @run
                 GROUP BY u.rule
            )
            SELECT b.rule, b.n,
                   CASE WHEN cardinality(string_to_array(r.message, '; ')) = cardinality(r.rules)
                        THEN (string_to_array(r.message, '; '))[array_position(r.rules, b.rule)]
                        ELSE r.message END
              FROM broken b JOIN rejects r ON r.id = b.first_id AND r.workspace_id = @ws
             ORDER BY b.n DESC, b.rule
            """)
            .With("ws", workspaceId)
            .With("run", runId))
        {
            await using var reader = await byRule.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                groups.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }

        var top = new Dictionary<string, List<ValueCount>>(StringComparer.Ordinal);
        await using (var values = tx.Command($"""
            WITH broken AS (
                SELECT u.rule, r."values" ->> substring(u.rule FROM @column_of) AS value
                  FROM rejects r CROSS JOIN LATERAL unnest(r.rules) AS u(rule)
                 WHERE r.workspace_id = @ws AND r.run_id = @run AND u.rule ~ @column_of
            ), ranked AS (
                SELECT rule, value, count(*) AS n,
                       row_number() OVER (PARTITION BY rule ORDER BY count(*) DESC, value NULLS FIRST) AS rank
                  FROM broken
                 GROUP BY rule, value
            )
            SELECT rule, value, n FROM ranked WHERE rank <= {TopValueCount} ORDER BY rule, rank
            """)
            .With("ws", workspaceId)
            .With("run", runId)
            .With("column_of", ContractRules.ColumnOfRulePattern))
        {
            await using var reader = await values.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var rule = reader.GetString(0);
                if (!top.TryGetValue(rule, out var list))
                {
                    top[rule] = list = [];
                }

                list.Add(new ValueCount(reader.Nullable<string>(1), reader.GetInt64(2)));
            }
        }

        return new RejectSummary(total, parseFailures, [.. groups.Select(g => new RejectRuleGroup(g.Rule, g.Count, g.Message, top.GetValueOrDefault(g.Rule) ?? []))]);
    }

    /// <summary>
    /// The values of the first <paramref name="limit"/> rejects (in id order) that broke
    /// <paramref name="rule"/> and were read as columns; rows kept as raw text have none.
    /// </summary>
    public async Task<IReadOnlyList<RejectValues>> ReadValuesAsync(Guid workspaceId, Guid runId, string rule, int limit, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("""
            SELECT id, "values"::text
              FROM rejects
             WHERE workspace_id = @ws AND run_id = @run AND @rule = ANY(rules) AND "values" IS NOT NULL
             ORDER BY id
             LIMIT @limit
            """)
            .With("ws", workspaceId)
            .With("run", runId)
            .With("rule", rule)
            .With("limit", limit);
        var rows = new List<RejectValues>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RejectValues(reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }
}
