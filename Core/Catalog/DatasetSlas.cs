using Ductus.Core.Specs;
using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>A dataset the freshness alerts check, with its SLA and its last load (null when never loaded).</summary>
public sealed record DatasetWithSla(string Dataset, DatasetSla Sla, DateTimeOffset? LastLoadedAt);

/// <summary>
/// Which pipeline sets a dataset's freshness SLA, chosen in one place: of the pipelines that load
/// it, neither paused nor archived, with a <c>freshness</c> block or a schedule, the first by name
/// (ordinal). The dataset read side (<see cref="DatasetCatalog"/>: the cached list behind
/// <c>GET /api/datasets</c> and the web UI's badge) joins <see cref="Choice"/> into its own query,
/// and the freshness alerts read <see cref="ListAsync"/>, which joins the same <see cref="Choice"/>
/// and reads its columns with the same <see cref="Read"/>; so the two cannot choose differently.
/// </summary>
public static class DatasetSlas
{
    /// <summary>
    /// The choice for the dataset of an outer row aliased <c>d</c> (its <c>workspace_id</c> and
    /// <c>name</c>), as a lateral subquery aliased <c>sla</c> with no row when nothing sets an SLA.
    /// SQL rather than C#, so the hot, cached dataset list gets it in its one statement. Only the
    /// few keys needed are read from the spec: its validity is not judged again here (a spec is
    /// validated when saved), and a duration that does not parse is read as not set.
    /// </summary>
    internal const string Choice = """
        LATERAL (
            SELECT p.name AS sla_pipeline, p.spec ->> 'schedule' AS sla_schedule,
                   coalesce(jsonb_typeof(p.spec -> 'freshness') = 'object', false) AS sla_freshness,
                   p.spec -> 'freshness' ->> 'warn_after' AS sla_warn_after,
                   p.spec -> 'freshness' ->> 'error_after' AS sla_error_after,
                   p.created_at AS sla_since
              FROM pipelines p
             WHERE p.workspace_id = d.workspace_id AND p.dataset = d.name AND p.enabled AND p.archived_at IS NULL
               AND (jsonb_typeof(p.spec -> 'freshness') = 'object' OR p.spec ->> 'schedule' IS NOT NULL)
             ORDER BY p.name COLLATE "C"
             LIMIT 1) sla
        """;

    /// <summary>The columns of <see cref="Choice"/>, in the order <see cref="Read"/> expects them.</summary>
    internal const string Columns = "sla_pipeline, sla_schedule, sla_freshness, sla_warn_after, sla_error_after, sla_since";

    /// <summary>The chosen SLA from <see cref="Columns"/> starting at <paramref name="first"/>; null when nothing sets one.</summary>
    internal static DatasetSla? Read(NpgsqlDataReader r, int first)
    {
        if (r.Nullable<string>(first) is not { } pipeline)
        {
            return null;
        }

        var freshness = r.GetBoolean(first + 2) ? new FreshnessSpec(Duration(r.Nullable<string>(first + 3)), Duration(r.Nullable<string>(first + 4))) : null;
        return new DatasetSla(pipeline, r.Nullable<string>(first + 1), freshness, r.GetFieldValue<DateTimeOffset>(first + 5));

        static TimeSpan? Duration(string? text) => Durations.TryParse(text, out var value) ? value : null;
    }

    /// <summary>
    /// Every dataset of the transaction's workspace that has an SLA, loaded or not yet (a dataset
    /// has no row before its first commit, so the candidates are the datasets pipelines name), with
    /// its last load read in <paramref name="tx"/>, not from a cache. An archived dataset whose
    /// pipeline still runs reads as never loaded: archiving hides the dataset, not its pipeline.
    /// </summary>
    public static async Task<IReadOnlyList<DatasetWithSla>> ListAsync(WorkspaceTransaction tx, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        await using var command = tx.Command($"""
            SELECT d.name, {Columns}, ds.last_loaded_at
              FROM (SELECT DISTINCT workspace_id, dataset AS name FROM pipelines WHERE enabled AND archived_at IS NULL) d
             CROSS JOIN {Choice}
              LEFT JOIN datasets ds ON ds.workspace_id = d.workspace_id AND ds.name = d.name AND ds.archived_at IS NULL
             ORDER BY d.name COLLATE "C"
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var datasets = new List<DatasetWithSla>();
        while (await reader.ReadAsync(ct))
        {
            datasets.Add(new DatasetWithSla(reader.GetString(0), Read(reader, 1)!, reader.NullableValue<DateTimeOffset>(7)));
        }

        return datasets;
    }
}
