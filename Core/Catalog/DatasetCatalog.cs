using Ductus.Core.Lake;
using Npgsql;
using NpgsqlTypes;

namespace Ductus.Core.Catalog;

/// <summary>
/// The read side of the data: a workspace's datasets (cached) and their snapshots with the files
/// each lists (time travel). What writes them is <see cref="SnapshotCommitter"/>.
/// </summary>
public sealed class DatasetCatalog(NpgsqlDataSource db, TimeProvider time, CatalogCache cache)
{
    private const string Table = "datasets";

    private const string DatasetColumns = """
        name, description, columns::text, current_version, row_count, bytes, last_loaded_at,
        expected_schedule, pipeline, created_at, updated_at, owner, tags::text,
        """ + DatasetSlas.Columns;

    /// <summary>The datasets with the SLA their freshness is checked against, chosen by <see cref="DatasetSlas"/>.</summary>
    private const string DatasetsWithSla = $"datasets d LEFT JOIN {DatasetSlas.Choice} ON true";

    /// <summary>
    /// The search words as a tsquery in which every word is a prefix (<c>fli</c> finds
    /// <c>flights</c>): websearch_to_tsquery turns any text into a valid query (quotes for
    /// phrases, <c>-word</c>, <c>or</c>) and never fails, each lexeme it quotes gets <c>:*</c>, and
    /// the text is cast back as it is, not re-parsed (to_tsquery would split <c>ops-team</c> again).
    /// 'simple' like the indexed tsvector (migration 0025).
    /// </summary>
    private const string SearchQuery = """
        regexp_replace(websearch_to_tsquery('simple', @q)::text, '''(\s|$)', ''':*\1', 'g')::tsquery
        """;

    private const string SnapshotColumns = """
        dataset, version, parent_version, run_id, operation, row_count, file_count, bytes, created_at, schema_changes::text
        """;

    public async Task<DatasetRecord?> GetAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        if (cache.Enabled)
        {
            // The list is what is cached; a workspace has few datasets.
            return (await ListAsync(workspaceId, ct)).FirstOrDefault(d => d.Name == name);
        }

        var found = await QueryDatasetsAsync(workspaceId, name, ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>
    /// The dataset's current columns, read past the cache (another service's commit may not have
    /// reached it): what a run's schema is checked against. Empty when the dataset is not loaded yet.
    /// </summary>
    public async Task<IReadOnlyList<DatasetColumn>> GetColumnsAsync(Guid workspaceId, string name, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command("SELECT columns::text FROM datasets WHERE workspace_id = @ws AND name = @name AND current_version IS NOT NULL")
            .With("ws", workspaceId)
            .With("name", name);
        return await command.ExecuteScalarAsync(ct) is string json ? CatalogJson.Columns(json) : [];
    }

    public Task<IReadOnlyList<DatasetRecord>> ListAsync(Guid workspaceId, CancellationToken ct = default) =>
        cache.DatasetsAsync(workspaceId, () => QueryDatasetsAsync(workspaceId, null, ct));

    /// <summary>
    /// The workspace's datasets narrowed by <paramref name="filter"/>, archived ones left out:
    /// with a search query, those matching it ranked by <c>ts_rank</c> (a name match first, then
    /// owner and tags, descriptions and column names, column descriptions last), else by name.
    /// Not cached: every search is its own, and the GIN index (migration 0025) answers it.
    /// </summary>
    public async Task<IReadOnlyList<DatasetRecord>> ListAsync(Guid workspaceId, DatasetFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            return await ListAsync(workspaceId, ct);
        }

        var query = string.IsNullOrWhiteSpace(filter.Query) ? null : filter.Query;
        // Separate statements with and without a query, so the one with it is planned with
        // the search condition and can use the index.
        var (match, order) = query is null ? ("true", "name") : ($"search @@ {SearchQuery}", $"ts_rank(search, {SearchQuery}) DESC, name");
        return await ReadDatasetsAsync(WorkspaceRead.Query($"""
            SELECT {DatasetColumns} FROM {DatasetsWithSla}
             WHERE workspace_id = @ws AND archived_at IS NULL AND {match}
               AND (@tag IS NULL OR tags @> jsonb_build_array(@tag))
               AND (@owner IS NULL OR lower(owner) = lower(@owner))
             ORDER BY {order}
            """)
            .With("ws", workspaceId)
            .With("q", query, NpgsqlDbType.Text)
            .With("tag", filter.Tag, NpgsqlDbType.Text)
            .With("owner", filter.Owner, NpgsqlDbType.Text), workspaceId, ct);
    }

    /// <summary>
    /// A snapshot with its files: the current one when <paramref name="version"/> is null, else
    /// that version (time travel). Null when the dataset has no such snapshot (never committed,
    /// or expired by retention).
    /// </summary>
    public async Task<SnapshotDetail?> GetSnapshotAsync(Guid workspaceId, string dataset, long? version, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        SnapshotRecord snapshot;
        await using (var command = tx.Command($"""
            SELECT {SnapshotColumns}
              FROM snapshots
             WHERE workspace_id = @ws AND dataset = @dataset
               AND version = coalesce(@version, (SELECT current_version FROM datasets WHERE workspace_id = @ws AND name = @dataset))
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", version, NpgsqlDbType.Bigint))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            snapshot = ReadSnapshot(reader);
        }

        await using var files = tx.Command("""
            SELECT path, rows, bytes, stats::text FROM snapshot_files
             WHERE workspace_id = @ws AND dataset = @dataset AND version = @version
             ORDER BY path
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset)
            .With("version", snapshot.Version);
        await using var fileReader = await files.ExecuteReaderAsync(ct);
        var list = new List<LakeFile>(snapshot.FileCount);
        while (await fileReader.ReadAsync(ct))
        {
            list.Add(new LakeFile(fileReader.GetString(0), fileReader.GetInt64(1), fileReader.GetInt64(2), CatalogJson.Stats(fileReader.GetString(3))));
        }

        return new SnapshotDetail(snapshot, list);
    }

    /// <summary>
    /// A snapshot as a reader pins it: its version and the absolute paths of its files under
    /// <paramref name="lakeRoot"/>; null when the dataset has no such snapshot.
    /// </summary>
    public async Task<PinnedSnapshot?> PinAsync(Guid workspaceId, string dataset, long? version, string lakeRoot, CancellationToken ct = default)
    {
        var snapshot = await GetSnapshotAsync(workspaceId, dataset, version, ct);
        return snapshot is null
            ? null
            : new PinnedSnapshot(dataset, snapshot.Snapshot.Version, [.. snapshot.Files.Select(f => Path.GetFullPath(Path.Combine(lakeRoot, f.RelativePath)))]);
    }

    /// <summary>The dataset's snapshots, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotRecord>> ListSnapshotsAsync(Guid workspaceId, string dataset, CancellationToken ct = default)
    {
        await using var tx = await WorkspaceTransaction.BeginAsync(db, workspaceId, ct);
        await using var command = tx.Command($"""
            SELECT {SnapshotColumns} FROM snapshots WHERE workspace_id = @ws AND dataset = @dataset ORDER BY version DESC
            """)
            .With("ws", workspaceId)
            .With("dataset", dataset);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var snapshots = new List<SnapshotRecord>();
        while (await reader.ReadAsync(ct))
        {
            snapshots.Add(ReadSnapshot(reader));
        }

        return snapshots;
    }

    /// <summary>
    /// Archives a dataset: hidden from lists, lookups and queries (a query naming it is answered
    /// as for an unknown dataset), with its snapshots and files kept. False when there is no such dataset.
    /// </summary>
    public async Task<bool> ArchiveAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        await ChangedAsync(workspaceId, await Archiving.ArchiveAsync(db, Table, workspaceId, name, audit, time.GetUtcNow(), ct));

    /// <summary>Brings an archived dataset back with every snapshot it had.</summary>
    public async Task<ArchiveOutcome> RestoreAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        await ChangedAsync(workspaceId, await Archiving.RestoreAsync(db, Table, workspaceId, name, audit, ct));

    /// <summary>
    /// Deletes an archived dataset for good: its catalog row and every snapshot. Its lake files are
    /// then referenced by nothing, and the retention pass's collector deletes them.
    /// </summary>
    public async Task<ArchiveOutcome> PurgeAsync(Guid workspaceId, string name, AuditEntry audit, CancellationToken ct = default) =>
        await ChangedAsync(workspaceId, await Archiving.PurgeAsync(db, Table, workspaceId, name, audit, async tx =>
        {
            await using var command = tx.Command("""
                WITH counted AS (SELECT count(*) AS n FROM snapshots WHERE workspace_id = @ws AND dataset = @name),
                     gone AS (DELETE FROM datasets WHERE workspace_id = @ws AND name = @name RETURNING current_version, row_count, bytes)
                SELECT (SELECT n FROM counted), current_version, row_count, bytes FROM gone
                """)
                .With("ws", workspaceId)
                .With("name", name);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new { snapshots = reader.GetInt64(0), version = reader.NullableValue<long>(1), rows = reader.GetInt64(2), bytes = reader.GetInt64(3) };
        }, ct));

    /// <summary>Datasets archived before <paramref name="before"/>: what retention purges.</summary>
    public Task<IReadOnlyList<ArchivedItem>> ListArchivedAsync(Guid workspaceId, DateTimeOffset before, CancellationToken ct = default) =>
        Archiving.ListAsync(db, Table, workspaceId, before, ct);

    /// <summary>Forgets the cached list after a change, and passes the change's outcome on.</summary>
    private async Task<T> ChangedAsync<T>(Guid workspaceId, T outcome)
    {
        await cache.ChangedAsync(workspaceId, CatalogArea.Datasets);
        return outcome;
    }

    private async Task<IReadOnlyList<DatasetRecord>> QueryDatasetsAsync(Guid workspaceId, string? name, CancellationToken ct) =>
        await ReadDatasetsAsync(WorkspaceRead.Query($"""
            SELECT {DatasetColumns} FROM {DatasetsWithSla}
             WHERE workspace_id = @ws AND (@name IS NULL OR name = @name) AND archived_at IS NULL
             ORDER BY name
            """)
            .With("ws", workspaceId)
            .With("name", name, NpgsqlDbType.Text), workspaceId, ct);

    private async Task<IReadOnlyList<DatasetRecord>> ReadDatasetsAsync(NpgsqlBatchCommand query, Guid workspaceId, CancellationToken ct)
    {
        await using var read = await WorkspaceRead.ExecuteAsync(db, workspaceId, query, ct);
        var reader = read.Reader;
        var datasets = new List<DatasetRecord>();
        while (await reader.ReadAsync(ct))
        {
            datasets.Add(new DatasetRecord(
                Name: reader.GetString(0),
                Description: reader.Nullable<string>(1),
                Columns: CatalogJson.Columns(reader.GetString(2)),
                CurrentVersion: reader.NullableValue<long>(3),
                RowCount: reader.GetInt64(4),
                Bytes: reader.GetInt64(5),
                LastLoadedAt: reader.NullableValue<DateTimeOffset>(6),
                ExpectedSchedule: reader.Nullable<string>(7),
                Pipeline: reader.Nullable<string>(8),
                CreatedAt: reader.GetFieldValue<DateTimeOffset>(9),
                UpdatedAt: reader.GetFieldValue<DateTimeOffset>(10))
            {
                Owner = reader.Nullable<string>(11),
                Tags = CatalogJson.Strings(reader.GetString(12)),
                Sla = DatasetSlas.Read(reader, 13),
            });
        }

        return datasets;
    }

    private static SnapshotRecord ReadSnapshot(NpgsqlDataReader r) => new(
        Dataset: r.GetString(0),
        Version: r.GetInt64(1),
        ParentVersion: r.NullableValue<long>(2),
        RunId: r.NullableValue<Guid>(3),
        Operation: CatalogNames.Operation(r.GetString(4)),
        RowCount: r.GetInt64(5),
        FileCount: r.GetInt32(6),
        Bytes: r.GetInt64(7),
        CreatedAt: r.GetFieldValue<DateTimeOffset>(8))
    {
        SchemaChanges = r.IsDBNull(9) ? null : CatalogJson.SchemaChanges(r.GetString(9)),
    };
}
