namespace Ductus.Core.Catalog;

/// <summary>
/// A dataset's description, owner, tags and column descriptions are its pipeline's: the spec
/// says them, the dataset's row carries a copy so the catalog can list, filter and search them
/// (<see cref="DatasetCatalog.ListAsync(Guid, DatasetFilter, CancellationToken)"/>). The copy is
/// refreshed from the pipeline's current spec when the spec is saved (no need to wait for a run)
/// and when a run commits (the first commit creates the row).
/// </summary>
internal static class DatasetMetadata
{
    /// <summary>
    /// Copies the metadata of the spec of the pipeline that loads <paramref name="dataset"/> onto
    /// its row; columns the contract does not name (and the <c>_ductus_</c> ones) keep theirs.
    /// </summary>
    /// <param name="pipeline">Only when this pipeline is the one that loads the dataset: a spec that merely names it as its target does not take it over before it commits.</param>
    /// <returns>Whether there was such a row (the dataset exists and this pipeline loads it).</returns>
    public static async Task<bool> RefreshAsync(WorkspaceTransaction tx, Guid workspaceId, string dataset, string pipeline, CancellationToken ct)
    {
        await using var command = tx.Command("""
            UPDATE datasets d
               SET description = p.spec ->> 'description',
                   owner = p.spec ->> 'owner',
                   tags = coalesce(p.spec -> 'tags', '[]'::jsonb),
                   columns = (SELECT coalesce(jsonb_agg(
                                  CASE WHEN p.spec -> 'contract' -> 'columns' ? (c ->> 'name')
                                       THEN jsonb_set(c, '{description}', coalesce(p.spec -> 'contract' -> 'columns' -> (c ->> 'name') -> 'description', 'null'::jsonb))
                                       ELSE c END ORDER BY i), '[]'::jsonb)
                                FROM jsonb_array_elements(d.columns) WITH ORDINALITY AS e (c, i))
              FROM pipelines p
             WHERE d.workspace_id = @ws AND d.name = @dataset AND d.pipeline = @pipeline
               AND p.workspace_id = @ws AND p.name = @pipeline
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("pipeline", pipeline);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }
}
